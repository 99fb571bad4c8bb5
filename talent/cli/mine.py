"""talent mine git|github|hf: contributor activity from a source into the database."""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    SinceOption,
    _check_url,
    _load,
    _OneLineErrors,
    _opened,
    _parse_since,
    _plain,
)
from talent.config import Settings
from talent.files import MAX_SETTINGS_BYTES, InputFileError, read_bytes_limited
from talent.model import repo_name_problem
from talent.people.identity import ensure_people, update_people
from talent.sources.git import GitError, check_repository

if TYPE_CHECKING:
    from rich.console import Console

mine_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Mine contributor activity from a source into the database.",
    no_args_is_help=True,
)


@mine_app.command("git")
def mine_git_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Repositories: work trees or bare.", show_default=False)
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    name: Annotated[
        str | None,
        typer.Option(
            help="Repository name as OWNER/REPO (default: from the GitHub remote, else the "
            "folder). Only with a single PATH."
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Read the whole history again instead of only new commits."),
    ] = False,
    rev: Annotated[
        str,
        typer.Option(
            metavar="REV",
            help="Mine up to this branch, tag or commit instead of HEAD (e.g. a release).",
        ),
    ] = "HEAD",
    team_members: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The members of the teams the owner files name (@org/team), for teams "
            "GitHub will not list: 'team:' lines, each followed by '- login' lines; an "
            "indented 'approvers:' under 'sig-x:' is the team sig-x-approvers.",
        ),
    ] = None,
) -> None:
    """Mine local git repositories: commits, merges, trailers, files, and who the
    owner files (CODEOWNERS, OWNERS, MAINTAINERS...) named over time. Offline.

    `git log` per repository, two git processes at a time; a second run reads only new
    commits.
    """
    if name and len(paths) > 1:
        raise CliError("--name names one repository; give a single PATH with it")
    if name and repo_name_problem(name):
        raise CliError(f"--name: {repo_name_problem(name)}")
    from rich.console import Console

    teams = _read_team_members(team_members) if team_members else None
    settings = _load(db, config)
    console = Console(stderr=True)
    failures = 0
    usable = []
    for path in paths:  # check them all first: no database is made for nothing to mine
        try:
            check_repository(Path(path), rev)
        except GitError as exc:
            failures += 1
            typer.echo(f"error: {exc}", err=True)
        else:
            usable.append(path)
    if not usable:
        raise typer.Exit(1)
    engine = _opened(settings)
    changed = False
    for path in usable:
        try:
            result = _mine_one(engine, path, name, full, console, teams, rev)
        except GitError as exc:
            failures += 1
            typer.echo(f"error: {exc}", err=True)
            continue
        changed = changed or bool(result.commits or result.pruned)
        what = "new commits" if result.incremental else "commits"
        console.print(
            f"{result.repo}: {result.commits:,} {what}, "
            f"{result.activities:,} activities"
            + (f", {result.pruned:,} stale rows removed" if result.pruned else "")
        )
        for note in result.owner_notes[:_NOTES_SHOWN]:
            console.print(f"warning: {result.repo}: {note}", style="yellow", soft_wrap=True)
        if len(result.owner_notes) > _NOTES_SHOWN:
            more = len(result.owner_notes) - _NOTES_SHOWN
            console.print(
                f"warning: {result.repo}: {more} more owner-file lines could not be read",
                style="yellow",
            )
        if result.files_unknown:
            console.print(
                f"warning: {result.repo}: {result.files_unknown:,} file changes "
                "have unknown line counts (their blobs are missing from this copy)",
                style="yellow",
            )
    if changed:
        with console.status("Resolving identities into people..."):
            update_people(engine, settings)
    else:
        ensure_people(engine, settings)
    _retain(engine, settings)
    if failures:
        raise typer.Exit(1)


_NOTES_SHOWN = 5  # owner-file problems printed per repository; the rest are counted


def _read_team_members(path: Path) -> dict[str, list[str]]:
    from talent.sources.owners import OwnerFileError, parse_team_list

    try:
        payload = read_bytes_limited(path, MAX_SETTINGS_BYTES, "the team members file")
        return parse_team_list(payload.decode("utf-8", errors="replace"))
    except OSError as exc:
        raise CliError(f"cannot read the team members file {path}: {exc.strerror}") from None
    except InputFileError as exc:
        raise CliError(str(exc)) from None
    except OwnerFileError as exc:
        raise CliError(f"{path}: {exc}") from None


def _mine_one(
    engine, path: Path, name: str | None, full: bool, console: Console, teams=None, rev="HEAD"
):
    from talent.mining import mine_git

    # A bar only where someone watches it, and only once there are commits to read: logs
    # and pipes get the summary line alone, and a run with nothing new draws nothing.
    with ExitStack() as drawn:
        bar = None
        task = None
        started = time.monotonic()

        def report(done: int, total: int) -> None:
            nonlocal bar, task
            if bar is None:
                bar = drawn.enter_context(_progress_bar(console))
                task = bar.add_task(str(path), total=None, rate="-")
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f}")

        return mine_git(engine, path, name=name, full=full, progress=report, teams=teams, rev=rev)


def _progress_bar(console: Console):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} commits/s"),
        TimeElapsedColumn(),
    ]
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


# --full of the GitHub and Hub miners (git's says what it reads again).
ReadAgainOption = Annotated[
    bool,
    typer.Option("--full", help="Read everything again, ignoring what earlier runs stored."),
]


@mine_app.command("github")
def mine_github_command(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="An organisation (acme-ai) or repositories (acme-ai/vision).", show_default=False
        ),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Only activity updated on or after this date."),
    ] = None,
    full: ReadAgainOption = False,
    include_forks: Annotated[
        bool, typer.Option("--include-forks", help="Also mine forks.")
    ] = False,
    include_archived: Annotated[
        bool, typer.Option("--include-archived", help="Also mine archived repositories.")
    ] = False,
    token_env: Annotated[
        str, typer.Option(help="Environment variable holding the token (prompted for when unset).")
    ] = "GITHUB_TOKEN",
    base_url: Annotated[
        str, typer.Option(help="API root: GitHub Enterprise (https://host/api/v3) or a local fake.")
    ] = "https://api.github.com",
    max_wait: Annotated[
        float,
        typer.Option(
            help="Longest wait for a rate-limit reset, in "
            "seconds; past it, progress is saved and the run "
            "stops to be resumed later."
        ),
    ] = 900.0,
    profile_budget: Annotated[
        int, typer.Option(min=0, help="At most this many profile look-ups (/users/LOGIN) per run.")
    ] = 100,
) -> None:
    """Mine issues, pull requests, reviews, comments and commits from GitHub.

    Incremental: a second run reads only what changed, and an unchanged repository
    costs no rate-limit points. Safe to interrupt and run again.
    """
    from talent.sources.github import GitHubClient, GitHubError, ResumeLater, check_name

    for target in targets:
        try:
            check_name(target)
        except GitHubError as exc:
            raise CliError(str(exc)) from None
    _check_url(base_url, "--base-url", "https://api.github.com")
    token = os.environ.get(token_env, "").strip()
    if not token:
        if not sys.stdin.isatty():
            raise CliError(
                f"no GitHub token: set {token_env} (or run in a terminal to be asked for one)"
            )
        token = typer.prompt("GitHub token", hide_input=True).strip()
    from rich.console import Console

    settings = _load(db, config)
    since_dt = _parse_since(since)
    engine = _opened(settings)
    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=120)
    why = {"reason": "GitHub's rate limit"}
    client = GitHubClient(
        token,
        base_url,
        max_wait=max_wait,
        sleep=_countdown(console, why),
        on_wait=lambda _seconds, reason: why.update(reason=reason),
    )
    del token
    try:
        from talent.mining import begin_run, end_run, mine_github

        run = f"mine github {' '.join(sorted(t.lower() for t in targets))}"
        started = begin_run(engine, run)

        def on_repo(name: str, index: int, total: int) -> None:
            console.print(f"[{index + 1}/{total}] {_plain(name)}", highlight=False)

        try:
            results = mine_github(
                engine,
                client,
                targets,
                since=since_dt,
                full=full,
                include_forks=include_forks,
                include_archived=include_archived,
                profile_budget=profile_budget,
                on_repo=on_repo,
                run_started=started,
                run=run,
            )
        except ResumeLater as exc:
            update_people(engine, settings)
            _github_summary(console, client, [])
            console.print(
                f"{exc}. Progress is saved: run the same command again after the reset to resume."
            )
            return
        except GitHubError as exc:
            # Nothing stored is lost: every repository's rows were committed as it went.
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code or 1) from None
        update_people(engine, settings)
        _retain(engine, settings)
        end_run(engine, run)
        _github_summary(console, client, results)
        if any(r.error for r in results):
            raise typer.Exit(1)
    finally:
        client.close()


def _retain(engine, settings: Settings) -> None:
    """The settings' retention of comment text, after every mine."""
    from talent.people.privacy import apply_retention

    apply_retention(engine, settings)


def _countdown(console: Console, why: dict[str, str]):
    """A sleep that shows what it waits for and how long is left, in a terminal; one line
    elsewhere. ``why["reason"]`` is set by the client before each wait."""

    def sleep(seconds: float) -> None:
        if seconds <= 0:
            return
        if not console.is_terminal:
            console.print(f"waiting {seconds:.0f} s: {why['reason']}", highlight=False)
            time.sleep(seconds)
            return
        end = time.monotonic() + seconds
        with console.status("") as status:
            while (left := end - time.monotonic()) > 0:
                status.update(f"{why['reason']}: resuming in {left:,.0f} s")
                time.sleep(min(1.0, left))

    return sleep


def _github_summary(console: Console, client, results) -> None:
    from rich.table import Table

    stats = client.stats
    table = Table(title="GitHub mining summary", title_justify="left")
    for col in (
        "repositories",
        "unchanged",
        "rows written",
        "requests",
        "free 304s",
        "GraphQL",
        "profiles",
        "waits",
        "failed",
    ):
        table.add_column(col, justify="right")
    table.add_row(
        str(len(results)),
        str(sum(r.skipped for r in results)),
        f"{stats.items:,}",
        f"{stats.counted:,}",
        f"{stats.not_modified:,}",
        f"{stats.graphql:,}",
        f"{stats.profile_requests:,}",
        f"{stats.waits} ({stats.waited_seconds:,.0f} s)",
        str(len(stats.failures)),
    )
    console.print(table)
    for repo, message in sorted(stats.failures.items()):
        console.print(f"failed: {_plain(repo)}: {_plain(message)}", highlight=False)


class RepoType(StrEnum):
    model = "model"
    dataset = "dataset"
    space = "space"


@mine_app.command("hf")
def mine_hf_command(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="An organisation or user (acme-ai), or repositories (acme-ai/vision-7b).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    repo_type: Annotated[
        list[RepoType] | None,
        typer.Option(
            "--repo-type",
            help="Only these kinds of repository (repeatable; default: all three). For "
            "OWNER/REPO targets, the kind they are (default: model).",
            show_default=False,
        ),
    ] = None,
    since: SinceOption = None,
    full: ReadAgainOption = False,
    no_derivatives: Annotated[
        bool,
        typer.Option(
            "--no-derivatives", help="Skip the community's models built on the targets' models."
        ),
    ] = False,
    endpoint: Annotated[
        str, typer.Option(metavar="URL", help="The Hub's address: a mirror or a local fake.")
    ] = "https://huggingface.co",
    token_env: Annotated[
        str,
        typer.Option(
            help="Environment variable holding the token (optional: public data needs none; "
            "asked for in a terminal when unset)."
        ),
    ] = "HF_TOKEN",
    max_wait: Annotated[
        float,
        typer.Option(
            help="Longest wait for a rate-limit window, in seconds; past it, progress is "
            "saved and the run stops to be resumed later."
        ),
    ] = 900.0,
) -> None:
    """Mine the Hugging Face Hub: models, datasets and Spaces, their commits, discussions
    and pull requests, the community's derivative models (fine-tunes, quantisations,
    adapters, merges) and the organisation's members.

    Incremental: a second run reads only the listings and what changed. Safe to
    interrupt and run again. Repositories are stored as hf.co/OWNER/NAME.
    """
    from talent.sources.hf import (
        BadCredentials,
        HubClient,
        HubError,
        HubSource,
        ResumeLater,
        check_target,
    )
    from talent.sync import run_sync

    for target in targets:
        try:
            check_target(target)
        except HubError as exc:
            raise CliError(str(exc)) from None
    _check_url(endpoint, "--endpoint", "https://huggingface.co")
    types = tuple(dict.fromkeys(t.value for t in repo_type)) if repo_type else None
    token = os.environ.get(token_env, "").strip()
    if not token and sys.stdin.isatty():
        token = typer.prompt(
            "Hugging Face token (Enter for none: public data only)",
            default="",
            show_default=False,
            hide_input=True,
        ).strip()
    from rich.console import Console

    settings = _load(db, config)
    since_dt = _parse_since(since)
    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=120)
    why = {"reason": "the Hub's rate limit"}
    client = HubClient(
        endpoint,
        token or None,
        max_wait=max_wait,
        sleep=_countdown(console, why),
        on_wait=lambda _seconds, reason: why.update(reason=reason),
    )
    del token
    source = HubSource(
        client,
        targets,
        repo_types=types or ("model", "dataset", "space"),
        since=since_dt,
        full=full,
        derivatives=not no_derivatives,
    )
    engine = _opened(settings)

    def on_progress(step) -> None:
        if step.scope and step.total is not None:
            console.print(f"[{step.done + 1}/{step.total}] {_plain(step.scope)}", highlight=False)

    try:
        summary = run_sync(engine, source, on_progress=on_progress)
    except ResumeLater as exc:
        update_people(engine, settings)
        _hub_summary(console, client, None)
        console.print(f"{exc}.", highlight=False)
        return
    except (BadCredentials, HubError) as exc:
        # Nothing stored is lost: every batch was saved with its watermarks as it came.
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    with console.status("Resolving identities into people..."):
        update_people(engine, settings)
    _retain(engine, settings)
    _hub_summary(console, client, summary)
    if summary.failures:
        raise typer.Exit(1)


def _hub_summary(console: Console, client, summary) -> None:
    from rich.table import Table

    stats = client.stats
    table = Table(title="Hugging Face Hub mining summary", title_justify="left")
    for col in ("repositories", "acts written", "requests", "waits", "failed"):
        table.add_column(col, justify="right")
    table.add_row(
        str(sum(1 for scope in summary.items if scope.startswith("hf.co/"))) if summary else "-",
        f"{summary.total:,}" if summary else "-",
        f"{stats.total:,}",
        f"{stats.retries} ({stats.waited:,.0f} s)",
        str(len(summary.failures)) if summary else "-",
    )
    console.print(table)
    if summary:
        for repo, message in sorted(summary.failures.items()):
            console.print(f"failed: {_plain(repo)}: {_plain(message)}", highlight=False)
