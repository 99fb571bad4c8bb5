"""The ``talent`` command: thin shells over library functions.

Every failure a user can cause (a missing database, a bad option value) ends in one
line on stderr starting with ``error:`` and a non-zero exit status, never a traceback.
Set ``TALENT_DEBUG=1`` to see the traceback of an unexpected failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console, JustifyMethod
from rich.table import Table
from sqlalchemy import Engine
from typer.core import TyperGroup

from talent.config import (
    AFFILIATIONS,
    BUILTIN_PROFILES,
    CONFIG_ENV_VAR,
    DB_ENV_VAR,
    ConfigError,
    Settings,
    load_settings,
    sqlite_path,
)
from talent.evaluate import (
    SCOPES,
    TruthError,
    evaluate_owner_files,
    evaluate_store,
    load_truth,
    match_maintainers,
    split_rate,
)
from talent.export import (
    exported_ids,
    readable_numbers,
    shortlist_frame,
    to_json,
    to_records,
    to_safe_csv,
)
from talent.files import (
    MAX_FILE_BYTES,
    MAX_SETTINGS_BYTES,
    InputFileError,
    read_bytes_limited,
)
from talent.identity import OverrideError, ensure_people, name_incomplete, update_people
from talent.learning import MODEL_TARGET
from talent.mining import mine_git, save_demo
from talent.model import repo_name_problem
from talent.scoring import (
    DEFAULT_PROFILE,
    INTERVAL_WINDOWS,
    SIGNAL_LABELS,
    SIGNALS,
    FeedbackError,
    build_ranking_base,
    learn_profile,
    load_ranking_profile,
    rank_range_text,
    rank_store,
    save_ranking_profile,
    score_base,
)
from talent.sources.demo import SIZES, generate_demo
from talent.sources.git import GitError, check_repository
from talent.store import (
    DEFAULT_SHORTLIST,
    VERDICT_STAGES,
    StoreError,
    count_rows,
    load_entries,
    load_identities,
    load_identity_links,
    load_owner_pairings,
    load_people,
    load_repos,
    open_store,
)
from talent.store.keys import KeyProblem


class CliError(Exception):
    """A failure to report as one line (exit status 1)."""


def storage_problem(exc: BaseException) -> str | None:
    """What to do about a failure of the database or the disk, in one line; None for
    anything else. Nothing already stored is lost: every write is a transaction.

    >>> import sqlite3
    >>> storage_problem(sqlite3.OperationalError("attempt to write a readonly database"))[:26]
    'the database is read-only:'
    >>> storage_problem(OSError(28, "No space left on device")).split(":")[0]
    'the disk is full'
    """
    import errno
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).lower()
    kept = "nothing stored was changed"
    if isinstance(cause, OSError) and cause.errno == errno.ENOSPC or "disk is full" in text:
        return f"the disk is full: free some space and run the same command again; {kept}"
    if (
        "readonly" in text
        or "read-only" in text
        or (isinstance(cause, OSError) and cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM))
    ):
        return (
            "the database is read-only: give a writable --db (or copy the file somewhere "
            f"writable); {kept}"
        )
    if "database is locked" in text:
        return f"the database is busy with another talent process: try again when it ends; {kept}"
    if "unable to open database" in text:
        return "cannot open the database file: check the --db path and its folder's permissions"
    if isinstance(cause, sqlite3.DatabaseError) and "malformed" in text or "not a database" in text:
        return "the --db file is not a talent database (or is damaged): give another --db"
    return None


class _OneLineErrors(TyperGroup):
    """Report usage errors and known failures as one ``error:`` line."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args=args,
                prog_name=prog_name or "talent",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(130)
        except (CliError, StoreError, ConfigError, OverrideError, TruthError,
                InputFileError, KeyProblem) as exc:  # fmt: skip
            # The settings, people and truth files' errors name the file and line; a
            # file too large or too deep for talent names the file.
            typer.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except Exception as exc:
            problem = storage_problem(exc)
            if problem is not None:
                typer.echo(f"error: {problem}", err=True)
                sys.exit(1)
            # Usage errors come from the click that typer ships (vendored in recent typer,
            # the click package in older ones); both carry exit_code and format_message.
            message = getattr(exc, "format_message", None)
            if (
                message is not None
                and type(exc).__name__ == "NoArgsIsHelpError"
                and hasattr(exc, "exit_code")
            ):
                typer.echo(message())  # a command given alone shows its help, as --help
                sys.exit(exc.exit_code)
            if message is not None and hasattr(exc, "exit_code"):
                # With no arguments the help is printed and the error has no message.
                if message().strip():
                    typer.echo(f"error: {message()}", err=True)
                sys.exit(exc.exit_code)
            if os.environ.get("TALENT_DEBUG"):
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            typer.echo(
                f"error: unexpected {type(exc).__name__}: {first} (set TALENT_DEBUG=1 for details)",
                err=True,
            )
            sys.exit(1)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    # Plain help: typer's rich panels print a <bool> type beside every flag.
    rich_markup_mode=None,
    help="Find the people who do the real work in a company's open-source repositories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="PATH|URL",
        help=f"Database: a file path or SQLAlchemy URL (env {DB_ENV_VAR}; default ./talent.db).",
        show_default=False,
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Settings file (env TALENT_CONFIG; default ./talent.toml if present).",
        show_default=False,
    ),
]


def _load(db: str | None, config: str | None) -> Settings:
    """Settings for a command: the settings file (``--config``, TALENT_CONFIG, or
    ./talent.toml when present) with the database from ``--db``, so every command,
    mining included, applies the same company and the same hand-made corrections."""
    try:
        return load_settings(config, db=db)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def _open_existing(settings: Settings):
    path = sqlite_path(settings.db_url)
    if path is not None and not path.exists():
        raise CliError(
            f"database not found: {path} (create the demo world with: talent demo --db {path})"
        )
    return _opened(settings, create=False)


def _opened(settings: Settings, *, create: bool = True):
    """The store, with its privacy key checked and any opt-out a killed run left half
    done finished first, so no command ever shows or exports a person who opted out."""
    from talent.privacy import finish_pending

    engine = open_store(settings.db_url, create=create)
    finish_pending(engine, settings)
    return engine


@app.command()
def demo(
    db: DbOption = None,
    config: ConfigOption = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same world.")] = 7,
    size: Annotated[
        str,
        typer.Option(
            help=f"World size: {', '.join(SIZES)} "
            f"({', '.join(f'{k}={v}' for k, v in SIZES.items())} "
            "people)."
        ),
    ] = "medium",
) -> None:
    """Write the built-in demo world (company org "acme-ai") into the database.

    The world is synthetic and deterministic: repositories, people, bots, employees,
    community members and three years of activity. Safe to run twice.
    """
    if size not in SIZES:
        raise CliError(f"unknown size {size!r}; choose one of: {', '.join(SIZES)}")
    settings = _load(db, config)
    console = Console(stderr=True)
    with console.status("Generating the demo world..."):
        world = generate_demo(seed=seed, size=size)
    engine = _opened(settings)
    with console.status(f"Writing {len(world.activities):,} activities..."):
        counts = save_demo(engine, world)
    with console.status("Resolving identities into people..."):
        resolution = update_people(engine, settings)
    console.print(
        f"Demo world written to {settings.db_url}: {counts['repos']} repositories, "
        f"{len(resolution.people):,} people, {counts['activities']:,} activities."
    )
    suffix = "" if db is None else f" --db {db}"
    console.print(f"Next: [bold]talent rank{suffix}[/bold] or [bold]talent app{suffix}[/bold]")


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--since: {value!r} is not a date like 2025-01-31") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def rank(
    db: DbOption = None,
    top: Annotated[int, typer.Option(min=0, help="How many people to show; 0 = everyone.")] = 25,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    repo: Annotated[
        list[str] | None,
        typer.Option(metavar="OWNER/REPO", help="Only this repository's activity; repeatable."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Only activity on or after this date."),
    ] = None,
    with_identities: Annotated[
        bool,
        typer.Option(
            "--with-identities",
            help="Add every raw identity (name, email, login) merged into "
            "each person. Emails appear nowhere without this flag.",
        ),
    ] = False,
    include_bots: Annotated[
        bool, typer.Option("--include-bots", help="Keep bots in the ranking.")
    ] = False,
    skill: Annotated[
        str | None,
        typer.Option(
            help="Only people whose work matches this, best match first (e.g. "
            '"cuda kernels", "rlhf"); rank stays the overall rank.'
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="How to rank: 'maintainer' (who holds the project together), 'recruiter' "
            "(who to hire; shows community members, former employees and unknowns unless "
            "--affiliation says otherwise), or a profile from the settings file or learned "
            "from feedback (talent feedback learn --save NAME)."
        ),
    ] = DEFAULT_PROFILE,
    affiliation: Annotated[
        list[str] | None,
        typer.Option(
            help="Only people of this affiliation (community, former_employee, employee, "
            "unknown); repeatable; 'all' for everyone. Default: the profile's. Ranks stay "
            "those among everyone scored."
        ),
    ] = None,
    config: ConfigOption = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Say why each person ranks where they do: the largest contributions with "
            "links to the work behind them, and the rank range when any fifth of the "
            "history is left out.",
        ),
    ] = False,
) -> None:
    """Rank contributors, best first, with the contribution of each signal to the score."""
    settings = _load(db, config)
    since_dt = _parse_since(since)
    affiliations = _parse_affiliations(affiliation)
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; run `talent demo` or a miner first")
    _check_repos(engine, repo)
    ranking = rank_store(
        engine,
        settings,
        profile=profile,
        repos=repo,
        since=since_dt,
        include_bots=include_bots,
        skill=skill,
        affiliations=affiliations,
        interval_windows=INTERVAL_WINDOWS if explain else 0,
        explain_top=(top or 10**9) if explain else 0,
    )
    # After the ranking: a bad option's error comes alone.
    _say_company(engine, settings, quiet=format != OutputFormat.table)
    if skill is not None and ranking.empty and format == OutputFormat.table:
        hint = ranking.attrs.get("skill_suggestion")
        typer.echo(
            f"Nobody's work matches {skill!r}: {hint}."
            if hint
            else f"Nobody shown matches {skill!r}: their work does, but these filters hide "
            "them (try --affiliation all)."
        )
        return
    if top:
        ranking = ranking.head(top)
    if with_identities:
        ranking = ranking.assign(identities=_identities_of(engine, ranking["person_id"]))
    if format != OutputFormat.table:
        _record(engine, settings, "export", ranking["person_id"], profile=profile, repos=repo,
                since=since, skill=skill, affiliation=affiliation, top=top, format=str(format),
                with_identities=with_identities)  # fmt: skip
    if format == OutputFormat.json:
        typer.echo(to_json(to_records(readable_numbers(ranking, decimals=6))))
    elif format == OutputFormat.csv:
        frame = readable_numbers(ranking)
        if with_identities:
            frame = frame.assign(
                identities=[
                    "; ".join(_identity_text(i) for i in ids) for ids in ranking["identities"]
                ]
            )
        if explain:
            frame = frame.assign(explanation=[_explanation_text(e) for e in frame["explanation"]])
        typer.echo(to_safe_csv(frame).decode("utf-8").lstrip("\ufeff"), nl=False)
    else:
        _print_table(ranking, with_identities, explain)


def _check_repos(engine, wanted: list[str] | None) -> None:
    """Every ``--repo`` names a stored repository (a typo would rank nobody)."""
    if not wanted:
        return
    stored = load_repos(engine)["full_name"].tolist()
    by_fold = {name.casefold(): name for name in stored}
    for name in wanted:
        if name in stored:
            continue
        hint = by_fold.get(name.casefold())
        known = f"did you mean {hint}?" if hint else "known: " + ", ".join(sorted(stored)[:10])
        raise CliError(f"--repo: no repository {name!r} in the database ({known})")


def _parse_affiliations(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    if "all" in values:
        return ()
    bad = [v for v in values if v not in AFFILIATIONS]
    if bad:
        raise CliError(
            f"--affiliation: unknown {bad[0]!r}; choose from {', '.join(AFFILIATIONS)} or all"
        )
    return tuple(values)


def _explanation_text(parts: list[dict] | None) -> str:
    """An explanation as one line: "Activity 0.60 (62%): url, url; ..."."""
    if not parts:
        return ""
    return "; ".join(
        f"{p['label']} {p['contribution']:.2f} ({p['share']:.0%}): "
        + ", ".join(e["url"] for e in p["evidence"])
        for p in parts
    )


def _identities_of(engine, person_ids: pd.Series) -> list[list[dict]]:
    links = load_identity_links(engine)
    idents = load_identities(engine).set_index("key")
    wanted = links[links["person_id"].isin(set(person_ids))]
    grouped: dict[str, list[dict]] = {}
    for row in wanted.itertuples(index=False):
        ident = idents.loc[row.identity_key]
        login = ident["login"] if isinstance(ident["login"], str) else None
        grouped.setdefault(row.person_id, []).append(
            {
                "source": ident["source"],
                "name": ident["name"],
                "email": ident["email"],
                "login": login,
                "method": row.method,
            }
        )
    return [grouped.get(pid, []) for pid in person_ids]


def _identity_text(ident: dict) -> str:
    parts = [ident["name"] or ""]
    if ident["email"]:
        parts.append(f"<{ident['email']}>")
    if ident["login"]:
        parts.append(f"@{ident['login']}")
    return " ".join(p for p in parts if p)


def _print_table(ranking: pd.DataFrame, with_identities: bool, explain: bool = False) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    profile = ranking["profile"].iloc[0] if len(ranking) else DEFAULT_PROFILE
    ranked = ranking.attrs.get("ranked", len(ranking))
    table = Table(
        title=f"Top {len(ranking)} contributors (profile: {profile})", title_justify="left"
    )
    skill = "skill_match" in ranking.columns
    columns: list[tuple[str, JustifyMethod]] = [("#", "right")]
    if explain:
        columns.append(("range", "right"))
    matched: list[tuple[str, JustifyMethod]] = [("skill match", "left")] if skill else []
    columns += [
        ("name", "left"),
        ("login", "left"),
        *matched,
        ("score", "right"),
        ("largest contributions", "left"),
        ("persona", "left"),
        ("affiliation", "left"),
        ("top repository", "left"),
        ("last active", "left"),
    ]
    # Long untrusted text (a name can be a whole sentence) must not squeeze the numbers.
    widest = {"name": 26, "login": 18, "skill match": 26, "largest contributions": 34,
              "top repository": 28}  # fmt: skip
    for col, justify in columns:
        numeric = justify == "right"
        table.add_column(
            col,
            justify=justify,
            overflow="ellipsis",
            no_wrap=True,
            min_width=5 if numeric else (10 if col == "last active" else None),
            max_width=widest.get(col),
        )
    for row in ranking.itertuples(index=False):
        name = row.name + (" [bot]" if row.is_bot and "[bot]" not in row.name else "")
        cells = [str(row.rank)]
        if explain:
            cells.append(rank_range_text(row.rank_low, row.rank_high, ranked))
        cells += [
            _plain(name),
            _plain(_text(row.login)),
            *([f"{row.skill_match:.2f} ({_plain(row.skill_terms)})"] if skill else []),
            f"{row.score:.3f}",
            _largest(row._asdict()),
            row.persona + (" (rising)" if row.rising else ""),
            row.affiliation,
            _plain(row.top_repos.split(", ")[0]),
            f"{row.last_active:%Y-%m-%d}",
        ]
        table.add_row(*cells)
    console.print(table)
    if explain:
        for row in ranking.itertuples(index=False):
            console.print(f"[bold]#{row.rank} {_plain(row.name)}[/bold]", highlight=False)
            for part in row.explanation or []:
                console.print(
                    f"  {part['label']}: {part['contribution']:.3f} "
                    f"({part['share']:.0%} of the score)",
                    highlight=False,
                )
                for e in part["evidence"]:
                    console.print(
                        f"    {e['occurred_at'][:10]} {_plain(e['kind'])}: "
                        f"{_plain(e['title'][:70])} {_plain(e['url'])}",
                        highlight=False,
                        soft_wrap=True,
                    )
    if with_identities:
        idents = Table(title="Identities merged into each person", title_justify="left")
        for col in ("#", "source", "identity", "linked by"):
            idents.add_column(col)
        for row in ranking.itertuples(index=False):
            for ident in row.identities:
                idents.add_row(
                    str(row.rank), ident["source"], _plain(_identity_text(ident)), ident["method"]
                )
        console.print(idents)
    if skill:
        console.print(
            "skill match = how much of the work the words find (commits, pull requests, "
            "issues, the paths they changed) each person did, against the first (0-1), "
            "with the words found; most first, then the better rank.",
            style="dim",
        )
    console.print(
        "score = the sum of the contributions (JSON and CSV carry every one, and every "
        "feature behind them); --explain links the work behind them.",
        style="dim",
    )


def _largest(row: dict, n: int = 2) -> str:
    parts = sorted(((row[f"contrib_{s}"], s) for s in SIGNALS), reverse=True)[:n]
    return ", ".join(f"{SIGNAL_LABELS[s].lower()} {v:.2f}" for v, s in parts if v > 0)


def _text(value: object) -> str:
    """A cell's text: missing values (None, NaN) show as nothing."""
    return value if isinstance(value, str) else ""


# Control characters in untrusted text (names, titles) would move the cursor, recolour or
# clear the terminal: whitespace ones become a space, the rest are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[\t\n]")


def _plain(text: str) -> str:
    r"""Untrusted text as it should print: rich markup escaped, control characters
    (terminal escapes among them) removed.

    >>> _plain("Ada\x1b[2J [b]x[/b]\nnext")
    'Ada[2J \\[b]x\\[/b] next'
    """
    from rich.markup import escape

    return escape(_CONTROL.sub("", _SPACES.sub(" ", str(text))))


mine_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Mine contributor activity from a source into the database.",
    no_args_is_help=True,
)
app.add_typer(mine_app, name="mine")


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

    One streamed `git log` per repository; a second run reads only new commits.
    """
    if name and len(paths) > 1:
        raise CliError("--name names one repository; give a single PATH with it")
    if name and repo_name_problem(name):
        raise CliError(f"--name: {repo_name_problem(name)}")
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    check_repository(Path(path), rev)  # fail with one line before drawing a bar
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} commits/s"),
        TimeElapsedColumn(),
    ]
    # A bar only where someone watches it: logs and pipes get the summary line alone.
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(str(path), total=None, rate="-")
        started = time.monotonic()

        def report(done: int, total: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f}")

        return mine_git(engine, path, name=name, full=full, progress=report, teams=teams, rev=rev)


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
    full: Annotated[
        bool,
        typer.Option("--full", help="Read everything again, ignoring what earlier runs stored."),
    ] = False,
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
    from talent.privacy import apply_retention

    apply_retention(engine, settings)


def _check_url(url: str, option: str, example: str) -> None:
    """One line unless ``url`` is an http(s) URL with a host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"{option} must be an http(s) URL with a host, like {example}; got {url!r}")


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
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Only activity on or after this date."),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Read everything again, ignoring what earlier runs stored."),
    ] = False,
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


privacy_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Leave people out who asked to be (opt-out), purge a person, write the notice.",
    no_args_is_help=True,
)
app.add_typer(privacy_app, name="privacy")


class SuppressionKind(StrEnum):
    login = "login"
    email = "email"
    hf = "hf"
    github_id = "github_id"


def _said_done(done) -> str:
    gone = done.deleted
    pipeline = sum(
        gone.get(t, 0)
        for t in (
            "shortlist_entries",
            "shortlist_events",
            "feedback",
            "digest_snapshots",
            "ats_marks",
        )
    )
    return (
        f"removed {gone.get('identities', 0)} identities, {gone.get('activities', 0)} acts, "
        f"{gone.get('named_owners', 0) + gone.get('owner_pairings', 0)} owner-file rows, "
        f"{pipeline} pipeline rows and {gone.get('people_file_rules', 0)} people-file rules"
    )


@privacy_app.command("optout")
def privacy_optout(
    who: Annotated[
        str,
        typer.Argument(
            help="Who: a login, e-mail address, full name, profile URL "
            "(https://github.com/LOGIN, https://huggingface.co/LOGIN) or person id. With "
            "--kind: that identifier, listed even if nobody stored has it yet.",
            show_default=False,
        ),
    ],
    kind: Annotated[
        SuppressionKind | None,
        typer.Option(
            help="WHO is this kind of identifier (login, email, hf, github_id) rather than "
            "a person to look up; for someone not mined yet."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Leave a person out for good: find the one person WHO names, put keyed hashes of
    everything they are known by on the opt-out list (which names nobody), delete what
    the database holds of them (pipeline included), scrub the database files, and never
    store them again. Nobody or several people matching is an error."""
    from talent.privacy import PrivacyError, optout

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    try:
        done = optout(engine, who, settings, kind=kind.value if kind else None)
    except PrivacyError as exc:
        raise CliError(str(exc)) from None
    whom = "nobody stored matched; " if done.person_id is None else ""
    typer.echo(f"{whom}{done.added} entries added to the opt-out list; {_said_done(done)}")


@privacy_app.command("purge")
def privacy_purge(
    who: Annotated[
        str, typer.Argument(help="The person: person id, login, e-mail, full name or profile URL.")
    ],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Delete a person with all their identities, acts, verdicts and pipeline rows, and
    put everything they are known by on the opt-out list so a re-mine does not bring
    them back (the same as `privacy optout` of a person)."""
    from talent.privacy import PrivacyError, purge_person

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    try:
        done = purge_person(engine, who, settings)
    except PrivacyError as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"purged: {_said_done(done)}; they stay on the opt-out list")


@privacy_app.command("rotate-key")
def privacy_rotate_key(db: DbOption = None, config: ConfigOption = None) -> None:
    """Add a new key to the privacy key file and re-wrap the opt-out list with it, so a
    copy of the key file made before today opens nothing; person ids stay the same."""
    from talent.privacy import PrivacyError, rotate
    from talent.store.keys import key_path

    settings = _load(db, config)
    try:
        count = rotate(_open_existing(settings), settings)
    except PrivacyError as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"new key added to {key_path(settings)}; {count} entries re-wrapped")


@privacy_app.command("list")
def privacy_list(db: DbOption = None, config: ConfigOption = None) -> None:
    """The opt-out list: kind, id (the start of the keyed hash) and when it was added."""
    from talent.privacy import list_suppressions

    settings = _load(db, config)
    rows = list_suppressions(_open_existing(settings))
    if rows.empty:
        typer.echo("nobody is on the opt-out list")
        return
    for row in rows.itertuples(index=False):
        typer.echo(f"{row.id}  {row.kind:<9}  added {pd.Timestamp(row.added_at):%Y-%m-%d}")


@privacy_app.command("remove")
def privacy_remove(
    entry: Annotated[str, typer.Argument(help="The id that `talent privacy list` shows.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Take an entry off the opt-out list (their data comes back with the next mine)."""
    from talent.privacy import PrivacyError, remove_suppression

    settings = _load(db, config)
    try:
        kind = remove_suppression(_open_existing(settings), entry)
    except PrivacyError as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"removed one {kind} entry from the opt-out list")


@privacy_app.command("export")
def privacy_export(
    path: Annotated[Path, typer.Argument(help="The file to write (JSON).")],
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            metavar="WHO",
            help="Write the subject's copy of what is held about this person instead (login, "
            "e-mail, full name, profile URL or person id): identities, acts per repository, "
            "shortlists and notes, ATS marks, and who viewed, exported or drafted to them.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the opt-out list (keyed hashes, their salt, the key's fingerprint, never the
    key) for another database that uses the same key file; with --person WHO, the copy
    of what is held about WHO to send them (GDPR Article 15), the access log included."""
    from talent.privacy import export_list

    settings = _load(db, config)
    if person is not None:
        _subject_copy(settings, person, path)
        return
    try:
        count = export_list(_open_existing(settings), path)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    typer.echo(f"{count} entries written to {path}")


def _subject_copy(settings: Settings, who: str, path: Path) -> None:
    from talent.privacy import PrivacyError, subject_copy

    engine = _open_existing(settings)
    ensure_people(engine, settings)
    try:
        copy = subject_copy(engine, who)
    except PrivacyError as exc:
        raise CliError(str(exc)) from None
    try:
        path.write_text(json.dumps(copy, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    typer.echo(
        f"what is held about them written to {path} ({len(copy['identities'])} identities, "
        f"{len(copy['seen_by'])} access-log entries)"
    )


@privacy_app.command("import")
def privacy_import(
    path: Annotated[Path, typer.Argument(help="A file `talent privacy export` wrote.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add the entries of an exported opt-out list and delete whoever they name."""
    from talent.privacy import PrivacyError, import_list

    settings = _load(db, config)
    try:
        added = import_list(_open_existing(settings), path, settings)
    except PrivacyError as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"{added} new entries on the opt-out list")


@privacy_app.command("retain")
def privacy_retain(db: DbOption = None, config: ConfigOption = None) -> None:
    """Forget the words of comments older than the settings file's [privacy]
    comment_text_days (every mine does it too); acts, dates, links and scores stay."""
    from talent.privacy import apply_retention

    settings = _load(db, config)
    if settings.comment_text_days is None:
        raise CliError(
            "no retention is set: add comment_text_days = N under [privacy] in the settings file"
        )
    changed = apply_retention(_open_existing(settings), settings)
    typer.echo(
        f"text of {changed:,} comments older than {settings.comment_text_days} days forgotten"
    )


@privacy_app.command("notice")
def privacy_notice(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The notice to publish and to send with outreach: which public sources were used,
    for what, and how to be left out (GDPR Articles 14 and 21 in plain words)."""
    from talent.privacy import notice_text

    settings = _load(db, config)
    text = notice_text(_open_existing(settings), settings)
    if output is None:
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"notice written to {output}")


people_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="See how identities were merged into people, and correct it by hand.",
    no_args_is_help=True,
)
app.add_typer(people_app, name="people")


def _find_person(engine, who: str) -> str:
    """A person id from a person id, the login a ranking shows, an email or a name."""
    from talent.identity import PersonNotFound, find_person

    try:
        return find_person(engine, who)
    except PersonNotFound as exc:
        raise CliError(str(exc)) from None


def _say_company(engine, settings: Settings, *, quiet: bool = False) -> None:
    """One line to stderr on the company affiliation uses (inferred, set, or a warning
    when none is known); ``quiet`` keeps only the warning (machine-read output)."""
    from talent.affiliation import company_warning, describe_company
    from talent.identity import infer_company

    company = infer_company(engine, settings)
    console = Console(stderr=True, highlight=False)
    warning = company_warning(company)
    if warning:
        console.print(f"warning: {_plain(warning)}", style="yellow")
    elif not quiet:
        console.print(_plain(describe_company(company)), style="dim")


class CompanyFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("company")
def company(
    db: DbOption = None,
    config: ConfigOption = None,
    format: Annotated[
        CompanyFormat, typer.Option("--format", "-f", help="Output format.")
    ] = CompanyFormat.table,
    mine: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Call this organisation (its name or one of its domains, as listed) yours: "
            "its people become employees. A settings file's [company] always wins.",
        ),
    ] = None,
    forget: Annotated[
        bool, typer.Option("--forget", help="Forget the organisation chosen with --mine.")
    ] = False,
) -> None:
    """The organisations the data shows (work e-mail domains used by two people or more,
    and mined organisations' members), their share of the work, and the kind of project:
    one company's ("single"), several companies' ("multi": no company is picked until
    you choose yours with --mine), or a community's."""
    from talent.identity import infer_company, load_company_choice, save_company_choice

    settings = _load(db, config)
    engine = _open_existing(settings)
    if mine is not None and forget:
        raise CliError("give either --mine NAME or --forget, not both")
    if mine is not None or forget:
        try:
            save_company_choice(engine, settings, None if forget else mine)
        except LookupError as exc:
            raise CliError(f"--mine: {exc.args[0]}") from None
    found = infer_company(engine, settings)
    report = found.report()
    counts = load_people(engine)["affiliation"].value_counts()
    report["affiliations"] = {k: int(counts.get(k, 0)) for k in AFFILIATIONS}
    choice = load_company_choice(engine)
    report["mine"] = choice["name"] if choice else None
    if format == CompanyFormat.json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    from talent.affiliation import describe_company

    console = Console(highlight=False)
    console.print(f"[bold]kind:[/bold] {found.kind}  ({_plain(describe_company(found))})")
    table = Table(title="Organisations, most work first", title_justify="left")
    for col in ("name", "domains", "orgs", "people", "share of work"):
        table.add_column(col, justify="right" if col in ("people", "share of work") else "left")
    for org in found.organisations:
        table.add_row(
            _plain(org.name),
            _plain(", ".join(org.domains)),
            _plain(", ".join(org.orgs)),
            f"{org.people:,}",
            f"{org.share_of_work:.1%}",
        )
    console.print(table)
    console.print(
        ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in report["affiliations"].items())
    )


@people_app.command("show")
def people_show(
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """A person's identities, how each was linked, bot flag and affiliation evidence.

    Shows email addresses: this is the view for fixing identities, not for sharing.
    """
    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    person_id = _find_person(engine, who)
    person = load_people(engine).set_index("person_id").loc[person_id]
    console = Console()
    console.print(
        f"[bold]{_plain(person['name'])}[/bold]  {person_id}"
        + (f"  @{_plain(person['login'])}" if isinstance(person["login"], str) else "")
        + (f" ({_plain(person['login_source'])})" if _text(person.get("login_source")) else "")
    )
    if name_incomplete(person["name"], person["login"]):
        console.print(
            "name incomplete: one word or a generic name and no login (one-word names "
            "never join identities on their own; see `talent people suggestions`)",
            style="yellow",
        )
    _say_company(engine, settings)
    console.print(
        f"affiliation: {person['affiliation']}"
        + (f" ({_plain(person['affiliation_evidence'])})" if person["affiliation_evidence"] else "")
    )
    console.print(
        f"bot: {'yes' if person['is_bot'] else 'no'} (probability {person['bot_probability']:.2f})"
        + (f": {_plain(person['bot_evidence'])}" if _text(person.get("bot_evidence")) else "")
    )
    links = load_identity_links(engine)
    mine = links[links["person_id"] == person_id]
    idents = load_identities(engine).set_index("key")
    table = Table(title="Identities", title_justify="left")
    for col in ("source", "identity", "linked by", "confidence"):
        table.add_column(col)
    for row in mine.itertuples(index=False):
        ident = idents.loc[row.identity_key]
        text = _identity_text(
            {
                "name": ident["name"],
                "email": ident["email"],
                "login": ident["login"] if isinstance(ident["login"], str) else None,
            }
        )
        table.add_row(
            ident["source"], _plain(text or row.identity_key), row.method, f"{row.confidence:.2f}"
        )
    console.print(table)
    from talent.identity import person_owner_evidence

    for line in person_owner_evidence(engine, person_id):
        console.print(f"owner files: {_plain(line)}")


@people_app.command("audit")
def people_audit(
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    db: DbOption = None,
    config: ConfigOption = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    repo: Annotated[
        list[str] | None,
        typer.Option(metavar="OWNER/REPO", help="Only this repository's activity; repeatable."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Only activity on or after this date."),
    ] = None,
    include_bots: Annotated[
        bool, typer.Option("--include-bots", help="Count bots' acts too, as rank does.")
    ] = False,
) -> None:
    """Every count behind a person's score, and every act that makes it, with its link:
    the numbers `talent rank` used (same --repo, --since and --include-bots), checkable
    one act at a time."""
    from talent.audit import audit_person
    from talent.scoring import build_ranking_base, score_base

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    _check_repos(engine, repo)
    person_id = _find_person(engine, who)
    base = build_ranking_base(engine, settings, repo or None, _parse_since(since), include_bots)
    ranking = score_base(base, settings.profile(DEFAULT_PROFILE), affiliations=())
    rows = ranking[ranking["person_id"] == person_id]
    if rows.empty:
        raise CliError(
            f"{who} has no acts in this scope (a bot? add --include-bots; or widen --repo/--since)"
        )
    report = audit_person(rows.iloc[0], base.acts, person_id)
    if format == OutputFormat.json:
        payload = {
            "person_id": person_id,
            "stewardship": report.stewardship,
            "counts": to_records(report.counts),
            "acts": to_records(report.acts),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(report.acts).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    console = Console()
    name = rows.iloc[0]["name"]
    console.print(f"[bold]{_plain(name)}[/bold]  {person_id}: {len(report.acts):,} acts")
    if report.stewardship:
        console.print(f"Stewardship: {report.stewardship}")
        for act in report.stewardship_acts.itertuples(index=False):
            console.print(
                f"  {act.occurred_at:%Y-%m-%d} {act.kind}: {_plain(_text(act.title))} "
                f"{_plain(act.url)}",
                overflow="fold",
            )
    table = Table(title="Counts behind the score", title_justify="left")
    for col in ("measure", "value", "acts listed", "kinds of act"):
        table.add_column(col, justify="right" if col in ("value", "acts listed") else "left")
    for row in report.counts.itertuples(index=False):
        if row.value or row.acts:  # the measures this person has anything for
            table.add_row(row.measure, f"{row.value:,}", f"{row.acts:,}", row.kinds)
    console.print(table)
    shown = "the latest 50, oldest first" if len(report.acts) > 50 else "oldest first"
    acts = Table(title=f"Acts, {shown} (-f csv or json: all of them, with links)",
                 title_justify="left")  # fmt: skip
    for col in ("date", "kind", "repository", "title", "counts towards"):
        acts.add_column(col, overflow="fold")
    for row in report.acts.tail(50).itertuples(index=False):
        acts.add_row(
            f"{row.occurred_at:%Y-%m-%d}", row.kind, _plain(row.repo), _plain(_text(row.title)),
            row.counts_for,
        )  # fmt: skip
    console.print(acts)
    if len(report.acts) > 50:
        console.print(f"(the latest 50 of {len(report.acts):,}; -f csv lists every one)")


@people_app.command("merge")
def people_merge(
    who: Annotated[
        list[str], typer.Argument(help="Two or more people: person id, login, email or full name.")
    ],
    reason: Annotated[str, typer.Option(help="Why (kept in the people file).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Merge people for good: written to the people file, applied on every re-mine."""
    from talent.identity import append_override

    if len(who) < 2:
        raise CliError("merge needs two or more people")
    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    ids = [_find_person(engine, w) for w in who]
    links = load_identity_links(engine)
    selectors = [f"key:{k}" for k in links.loc[links["person_id"].isin(ids), "identity_key"]]
    append_override(settings.people_file, "merge", {"identities": selectors, "reason": reason})
    update_people(engine, settings)
    typer.echo(
        f"merged {len(set(ids))} people ({len(selectors)} identities); recorded in "
        f"{settings.people_file}"
    )


@people_app.command("split")
def people_split(
    identity: Annotated[
        str,
        typer.Argument(help="An identity: email:ADDRESS, login:NAME, name:FULL NAME or github:ID."),
    ],
    reason: Annotated[str, typer.Option(help="Why (kept in the people file).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Take an identity out of the person it was merged into, for good."""
    from talent.identity import OverrideError, append_override, select_identities

    settings = _load(db, config)
    engine = _open_existing(settings)
    try:
        from talent.identity import _check_selector

        _check_selector(identity, "split")
    except OverrideError as exc:
        raise CliError(str(exc)) from None
    if not select_identities(load_identities(engine), identity):
        raise CliError(f"no stored identity matches {identity!r}")
    append_override(settings.people_file, "split", {"identity": identity, "reason": reason})
    update_people(engine, settings)
    typer.echo(f"split {identity}; recorded in {settings.people_file}")


@people_app.command("suggestions")
def people_suggestions(
    db: DbOption = None,
    config: ConfigOption = None,
    top: Annotated[int, typer.Option(min=0, help="How many; 0 = all.")] = 50,
) -> None:
    """People who look alike but were not merged, with the reason. Never applied alone:
    confirm one with `talent people merge`."""
    from talent.identity import suggest_merges

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    people = load_people(engine)
    found = suggest_merges(
        load_identities(engine), load_identity_links(engine), people, load_owner_pairings(engine)
    )
    if top:
        found = found.head(top)
    names = people.set_index("person_id")["name"]
    table = Table(title=f"{len(found)} suggestions", title_justify="left")
    for col in ("person", "maybe the same as", "why"):
        table.add_column(col)
    for row in found.itertuples(index=False):
        table.add_row(
            f"{_plain(names[row.person_a])} ({row.person_a})",
            f"{_plain(names[row.person_b])} ({row.person_b})",
            _plain(row.reason),
        )
    Console().print(table)


@app.command()
def evaluate(
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            metavar="FILE",
            help='Ground-truth JSON: {"repo": "OWNER/NAME", "maintainers": [{"login": '
            '..., "current": true, "identities": [{"name": ..., "email": ...}]}]} '
            "(see docs/evaluation.md).",
            show_default=False,
        ),
    ] = None,
    from_owner_files: Annotated[
        bool,
        typer.Option(
            "--from-owner-files",
            help="No truth file: judge each mined repository by the people its own "
            "CODEOWNERS/OWNERS/MAINTAINERS files name (ever, and at the mined head), and "
            "compare every built-in profile and the chosen one with commit count.",
        ),
    ] = False,
    repo: Annotated[
        list[str] | None,
        typer.Option(
            metavar="OWNER/REPO", help="With --from-owner-files: only this repository; repeatable."
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="The profile judged first, beside every other built-in profile and commit count."
        ),
    ] = DEFAULT_PROFILE,
    db: DbOption = None,
    config: ConfigOption = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
) -> None:
    """Score the rankings against known maintainers, beside plain commit count.

    Prints precision@10, recall@50 and NDCG@20 for maintainers ever listed and for
    current ones, for the chosen profile, every other built-in profile and commit count.
    A maintainer counts once: a second row of the same person is a miss. The
    maintainers come from a truth file (--truth) or from the mined repositories' own
    owner files (--from-owner-files).
    """
    if (truth is None) == (not from_owner_files):
        raise CliError("give either --truth FILE or --from-owner-files (see --help)")
    settings = _load(db, config)
    if from_owner_files:
        _evaluate_owner_files(settings, repo, profile, format)
        return
    if repo:
        raise CliError("--repo goes with --from-owner-files; a truth file names its repository")
    assert truth is not None  # the check above: no --from-owner-files, so --truth
    try:
        known = load_truth(truth)
    except TruthError as exc:
        raise CliError(str(exc)) from None
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; mine the repository first")
    stored = set(load_repos(engine)["full_name"])
    repos = [known.repo] if known.repo in stored else None
    # The chosen profile first, then every other built-in one, all on the same acts and
    # everyone shown (a maintainer may be anyone, employees too).
    names = dict.fromkeys([profile, *(p.name for p in BUILTIN_PROFILES)])
    base = build_ranking_base(engine, settings, repos)
    rankings = {
        name: score_base(base, load_ranking_profile(engine, settings, name), affiliations=())
        for name in names
    }
    ranking = rankings[profile]
    parts: list[pd.DataFrame] = []
    for name, ranked in rankings.items():
        rows = evaluate_store(engine, known, ranked, repos=repos)
        if parts:  # commit count once, after the chosen profile
            rows = rows[rows["method"] == "talent"]
        parts.append(rows.replace({"method": {"talent": name}}))
    first, *others = parts
    result = pd.concat(
        [first[first["method"] == profile], *others, first[first["method"] != profile]],
        ignore_index=True,
    )
    maintainers = match_maintainers(
        known, load_identities(engine), load_identity_links(engine), load_people(engine)
    )
    splits, considered = split_rate(ranking["person_id"].tolist(), maintainers)
    if format == OutputFormat.json:
        payload = {
            "repo": known.repo,
            "metrics": to_records(result),
            "splits_in_top_50": splits,
            "rows_considered": considered,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(result).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    console = Console()
    scope_note = "" if repos else " (repository not in the database by that name: all data)"
    table = Table(title=f"{known.repo}{scope_note}", title_justify="left")
    for col in ("method", "maintainers", "precision@10", "recall@50", "NDCG@20", "findable"):
        table.add_column(col, justify="left" if col in ("method", "maintainers") else "right")
    for row in result.itertuples(index=False):
        table.add_row(
            row.method,
            row.scope,
            f"{row.precision_at_10:.2f}",
            f"{row.recall_at_50:.2f}",
            f"{row.ndcg_at_20:.3f}",
            str(row.findable),
        )
    console.print(table)
    console.print(f"Second rows of a maintainer ranked higher, in the top {considered}: {splits}")


def _evaluate_owner_files(
    settings: Settings, repos: list[str] | None, profile: str, format: OutputFormat
) -> None:
    """``talent evaluate --from-owner-files``: a row per repository and method, then the
    means over repositories."""
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; mine the repository first")
    _check_repos(engine, repos)
    names = dict.fromkeys([profile, *(p.name for p in BUILTIN_PROFILES)])
    profiles = [load_ranking_profile(engine, settings, name) for name in names]
    with Console(stderr=True).status("Ranking each repository by each profile..."):
        result = evaluate_owner_files(engine, settings, profiles, repos)
    if result.empty:
        raise CliError(
            "no mined repository's owner files (CODEOWNERS, OWNERS, MAINTAINERS) name anyone "
            "who committed; mine with `talent mine git` a repository that has them"
        )
    if format == OutputFormat.json:
        typer.echo(json.dumps({"metrics": to_records(result)}, indent=2))
        return
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(result).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    wide = result.pivot_table(
        index=["repo", "method"],
        columns="scope",
        values=["ndcg_at_20", "precision_at_10", "findable", "named_logins"],
        sort=False,
    )
    methods = list(result["method"].unique())
    console = Console()
    table = Table(
        title="Judged by the repositories' own owner files (named ever / named now)",
        title_justify="left",
    )
    for col in ("repository", "method", "NDCG@20", "P@10", "named (matched)"):
        left = col in ("repository", "method")
        table.add_column(
            col,
            justify="left" if left else "right",
            no_wrap=col != "repository",
            overflow="fold",
        )

    def cells(row: pd.Series) -> list[str]:
        return [
            " / ".join("-" if pd.isna(row[(m, s)]) else f"{row[(m, s)]:{f}}" for s in SCOPES)
            for m, f in (("ndcg_at_20", ".3f"), ("precision_at_10", ".2f"))
        ]

    shown = None
    for (name, method), row in wide.iterrows():
        named = " / ".join(
            f"{int(row[('named_logins', s)])} ({int(row[('findable', s)])})" for s in SCOPES
        )
        table.add_row("" if name == shown else name, method, *cells(row), named)
        shown = name
    if result["repo"].nunique() > 1:
        means = wide.groupby(level="method", sort=False).mean().reindex(methods)
        for method, row in means.iterrows():
            table.add_row("mean", str(method), *cells(row), "", style="bold")
    console.print(table)
    console.print(
        "A named login counts only when identity resolution matched it to someone who "
        "committed; maintainers it did not match count against every ranking that puts them "
        "high. Mine GitHub too (talent mine github) to match more."
    )


feedback_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Quick verdicts, kept as stages on the default shortlist ('Shortlist': "
    "shortlisted or not a fit), the people shortlisted on any list, and learning a "
    "profile's weights from the stages.",
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")

WhoArgument = Annotated[
    list[str], typer.Argument(help="People: person id, login, email or full name.")
]


def _verdict(who: list[str], db: str | None, config: str | None, label: str, note: str) -> None:
    """The quick verdicts: a stage on the default shortlist (``talent shortlist`` with
    the list's name does the same and more)."""
    from talent.pipeline import current_user, record_verdict

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    person_ids = [_find_person(engine, w) for w in who]  # all found before any is written
    on_list = set(load_entries(engine, DEFAULT_SHORTLIST)["person_id"])
    if not label:
        cleared = [p for p in dict.fromkeys(person_ids) if p in on_list]
        for person_id in cleared:
            record_verdict(engine, person_id, None, who=current_user())
        typer.echo(f"{len(cleared)} taken off {DEFAULT_SHORTLIST!r}.")
        return
    for person_id in dict.fromkeys(person_ids):
        record_verdict(engine, person_id, label, note, current_user())
    people = "person" if len(set(person_ids)) == 1 else "people"
    typer.echo(
        f"{len(set(person_ids))} {people} at stage {VERDICT_STAGES[label]!r} on "
        f"{DEFAULT_SHORTLIST!r}."
    )


@feedback_app.command("shortlist")
def feedback_shortlist(
    who: WhoArgument,
    note: Annotated[str, typer.Option(help="Why (a note on the entry).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Put people on the default shortlist at stage 'shortlisted' (a good fit)."""
    _verdict(who, db, config, "shortlisted", note)


@feedback_app.command("reject")
def feedback_reject(
    who: WhoArgument,
    note: Annotated[str, typer.Option(help="Why (a note on the entry).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Move people to 'not a fit' on the default shortlist."""
    _verdict(who, db, config, "rejected", note)


@feedback_app.command("clear")
def feedback_clear(who: WhoArgument, db: DbOption = None, config: ConfigOption = None) -> None:
    """Take people off the default shortlist (their history stays)."""
    _verdict(who, db, config, "", "")


@feedback_app.command("list")
def feedback_list(
    db: DbOption = None,
    config: ConfigOption = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
) -> None:
    """Everyone on a shortlist, newest change first: shortlisted (in the running on a
    list), rejected (not a fit) or not interested, with their lists and stages."""
    from talent.pipeline import pipeline_verdicts

    settings = _load(db, config)
    engine = _open_existing(settings)
    verdicts = pipeline_verdicts(engine).merge(  # inner: nobody who opted out since
        load_people(engine)[["person_id", "login", "name"]], on="person_id", how="inner"
    )
    verdicts = verdicts.sort_values("noted_at", ascending=False)[
        ["person_id", "login", "name", "label", "lists", "note", "noted_at"]
    ]
    if format == OutputFormat.json:
        typer.echo(to_json(to_records(verdicts)))
    elif format == OutputFormat.csv:
        typer.echo(to_safe_csv(verdicts).decode("utf-8").lstrip("\ufeff"), nl=False)
    elif verdicts.empty:
        typer.echo(
            "No verdicts yet: talent feedback shortlist LOGIN / talent feedback reject LOGIN"
        )
    else:
        shortlisted = int((verdicts["label"] == "shortlisted").sum())
        table = Table(
            title=f"{len(verdicts)} on shortlists, {shortlisted} shortlisted", title_justify="left"
        )
        for col in ("login", "name", "label", "lists", "note", "noted at"):
            table.add_column(col)
        for row in verdicts.itertuples(index=False):
            table.add_row(
                _plain(_text(row.login)),
                _plain(_text(row.name)),
                row.label,
                _plain(row.lists),
                _plain(row.note),
                f"{row.noted_at:%Y-%m-%d %H:%M}",
            )
        Console().print(table)


class VerdictChoice(StrEnum):
    shortlisted = "shortlisted"
    rejected = "rejected"
    all = "all"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _write_export(frame: pd.DataFrame, format: ExportFormat, output: Path | None) -> None:
    """A people export as formula-safe CSV or JSON, to standard output or ``output``."""
    if format == ExportFormat.json:
        payload = (to_json(to_records(frame)) + "\n").encode("utf-8")
    else:
        payload = to_safe_csv(frame)
    if output is None:
        text = payload.decode("utf-8")
        typer.echo(text.lstrip("\ufeff") if format == ExportFormat.csv else text, nl=False)
        return
    try:
        output.write_bytes(payload)
    except OSError as exc:
        raise CliError(f"--output: cannot write {output} ({exc.strerror})") from None
    Console(stderr=True).print(f"{len(frame)} people written to {_plain(str(output))}")


def _record(engine, settings: Settings, action: str, person_ids, **filters) -> None:
    """Put an export or draft of the CLI in the access log (talent.accesslog), under
    TALENT_USER or this login."""
    from talent.accesslog import record_access
    from talent.pipeline import current_user

    record_access(engine, current_user(), action, person_ids, filters, "cli", settings=settings)


@feedback_app.command("export")
def feedback_export(
    label: Annotated[
        VerdictChoice, typer.Option("--label", help="Whose verdicts to export.")
    ] = VerdictChoice.shortlisted,
    profile: Annotated[
        str, typer.Option(help="The profile whose rank, score and reasons to give.")
    ] = "recruiter",
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="CSV (safe in any spreadsheet) or JSON.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write here instead of standard output."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Everyone shortlisted on any list, for a hiring manager: rank, name, profile link,
    lists and stages, the latest note and change, score and why, links to the work
    behind it, areas and skills (one list: talent shortlist export NAME).

    CSV opens safely in any spreadsheet (no cell runs as a formula); no e-mail address
    is exported.
    """
    from talent.scoring import build_ranking_base, score_base

    settings = _load(db, config)
    engine = _open_existing(settings)
    chosen = load_ranking_profile(engine, settings, profile)
    from talent.pipeline import pipeline_verdicts

    verdicts = pipeline_verdicts(engine)
    labels = ("shortlisted", "rejected") if label == VerdictChoice.all else (str(label),)
    if not verdicts["label"].isin(labels).any():
        raise CliError(
            f"no {' or '.join(labels)} people yet: talent feedback shortlist LOGIN --note '...'"
        )
    base = build_ranking_base(engine, settings)
    ranking = score_base(base, chosen, affiliations=(), interval_windows=INTERVAL_WINDOWS)
    frame = shortlist_frame(
        ranking, verdicts, base.evidence, labels=labels, people=load_people(engine)
    )
    _record(engine, settings, "export", frame["person_id"], export="feedback",
            label=str(label), profile=profile, format=str(format))  # fmt: skip
    _write_export(frame, format, output)


@feedback_app.command("learn")
def feedback_learn(
    profile: Annotated[str, typer.Option(help="The profile to re-weight.")] = "recruiter",
    save: Annotated[
        str | None,
        typer.Option(
            help="Keep the new weights in the database as a profile of this name, for "
            "`talent rank --profile NAME` and the app.",
            show_default=False,
        ),
    ] = None,
    test_size: Annotated[
        float,
        typer.Option(min=0.1, max=0.9, help="Share of the verdicts held back to measure."),
    ] = 0.3,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Learn which signals tell shortlisted from rejected people (logistic regression),
    re-weight the profile, and report the effect on held-back verdicts. Learns from
    shortlist stages: interviewing, offer, hired on any list are right, else not a fit
    is wrong, else 'shortlisted' (the quick verdict) is right."""
    from talent.pipeline import learning_feedback

    settings = _load(db, config)
    if save in {p.name for p in settings.profiles}:
        raise CliError(f"--save: {save!r} is a profile of the settings; choose another name")
    engine = _open_existing(settings)
    base = load_ranking_profile(engine, settings, profile)
    ranking = rank_store(engine, settings, profile=base, affiliations=())
    try:
        report = learn_profile(
            ranking, learning_feedback(engine), base, name=save, test_size=test_size
        )
    except FeedbackError as exc:
        raise CliError(str(exc)) from None
    console = Console()
    table = Table(title=f"Weights of {base.name!r}, before and after", title_justify="left")
    for col in ("signal", "before", "after", "coefficient"):
        table.add_column(col, justify="left" if col == "signal" else "right")
    old, new = base.as_dict(), report.profile.as_dict()
    for signal in SIGNALS:
        if old.get(signal) or new.get(signal):
            table.add_row(
                SIGNAL_LABELS[signal],
                f"{old.get(signal, 0.0):.3f}",
                f"{new.get(signal, 0.0):.3f}",
                f"{report.coefficients[signal]:+.2f}",
            )
    console.print(table)
    console.print(
        f"Held-back verdicts ({report.n_test}; learned from {report.n_train}): ROC AUC "
        f"{report.auc_before:.3f} before, {report.auc_after:.3f} after."
        + (
            " With so few held back, take it as a rough guide; more verdicts make it firmer."
            if report.n_test < 20
            else ""
        ),
        highlight=False,
    )
    if save:
        save_ranking_profile(engine, report.profile)
        console.print(f"Saved as profile {save!r}: talent rank --profile {_plain(save)}")


class Section(StrEnum):
    bus_factor = "bus-factor"
    areas = "areas"
    owners = "owners"
    named = "named"
    drift = "drift"
    ready = "ready"
    next = "next"
    left_out = "left-out"


shortlist_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Named shortlists (one per role): a stage per person, tags, notes with author "
    "and time, and the full history of changes. Who changes what comes from TALENT_USER "
    "(else this login).",
    no_args_is_help=True,
)
app.add_typer(shortlist_app, name="shortlist")

ListArgument = Annotated[str, typer.Argument(help="The shortlist's name, e.g. 'DevRel'.")]
VersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        min=1,
        help="Change only if the entry is still at this version (as `shortlist show` "
        "printed it); otherwise nothing is stored and you are told who changed it.",
        show_default=False,
    ),
]


def _pipeline_call(call, *args, **kwargs):
    from talent.pipeline import PipelineError

    try:
        return call(*args, **kwargs)
    except PipelineError as exc:
        raise CliError(str(exc)) from None


def _list_and_people(
    settings: Settings, name: str, who: list[str], *, must_exist: bool = True
) -> tuple[Engine, str, list[str]]:
    from talent.pipeline import check_list_name
    from talent.store import load_shortlists

    name = _pipeline_call(check_list_name, name)
    engine = _open_existing(settings)
    if must_exist and name not in set(load_shortlists(engine)["name"]):
        raise CliError(f"no shortlist {name!r}: make it with talent shortlist create {name!r}")
    ensure_people(engine, settings)
    return engine, name, [_find_person(engine, w) for w in who]


def _one_entry(engine, name: str, person_id: str):
    from talent.store import load_entries

    entries = load_entries(engine, name)
    found = entries[entries["person_id"] == person_id]
    if found.empty:
        raise CliError(f"{person_id} is not on {name!r}: talent shortlist add {name!r} WHO")
    return found.iloc[0]


@shortlist_app.command("create")
def shortlist_create(name: ListArgument, db: DbOption = None, config: ConfigOption = None) -> None:
    """Make a shortlist (one per role or search)."""
    from talent.pipeline import check_list_name, current_user
    from talent.store import save_shortlist

    name = _pipeline_call(check_list_name, name)
    engine = _open_existing(_load(db, config))
    made = save_shortlist(engine, name, current_user())
    typer.echo(f"Shortlist {_plain(name)!r} {'made' if made else 'already exists'}.")


@shortlist_app.command("add")
def shortlist_add(
    name: ListArgument,
    who: WhoArgument,
    stage: Annotated[str, typer.Option(help="Their stage on the list.")] = "new",
    tag: Annotated[list[str] | None, typer.Option(help="A tag; repeatable.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Put people on a shortlist (made if missing); people already on it stay as they are."""
    from talent.pipeline import check_stage, check_tags, current_user
    from talent.store import add_entries

    stage = _pipeline_call(check_stage, stage)
    tags = _pipeline_call(check_tags, tag or [])
    engine, name, ids = _list_and_people(_load(db, config), name, who, must_exist=False)
    added = add_entries(engine, name, ids, current_user(), stage=stage, tags=tags)
    kept = len(dict.fromkeys(ids)) - len(added)
    typer.echo(
        f"{len(added)} added to {_plain(name)!r} at stage {stage!r}"
        + (f"; {kept} already on it" if kept else "")
        + "."
    )


@shortlist_app.command("move")
def shortlist_move(
    name: ListArgument,
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    stage: Annotated[
        str,
        typer.Argument(
            help="new, shortlisted, contacted, replied, interviewing, offer, "
            "hired, 'not interested' or 'not a fit'."
        ),
    ],  # fmt: skip
    if_version: VersionOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Move a person to another stage."""
    from talent.pipeline import check_stage, current_user
    from talent.store import change_entry

    stage = _pipeline_call(check_stage, stage)
    engine, name, (pid,) = _list_and_people(_load(db, config), name, [who])
    _one_entry(engine, name, pid)
    version = change_entry(
        engine, name, pid, current_user(), stage=stage, expected_version=if_version
    )
    typer.echo(f"{pid} on {_plain(name)!r}: {stage} (version {version}).")


@shortlist_app.command("tag")
def shortlist_tag(
    name: ListArgument,
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add (or take off with --remove).")],
    remove: Annotated[bool, typer.Option("--remove", help="Take these tags off.")] = False,
    if_version: VersionOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add tags to a person's entry, or take them off."""
    from talent.pipeline import check_tags, current_user
    from talent.store import change_entry

    tags = _pipeline_call(check_tags, tags)
    engine, name, (pid,) = _list_and_people(_load(db, config), name, [who])
    entry = _one_entry(engine, name, pid)
    now = set(entry["tags"]) - set(tags) if remove else set(entry["tags"]) | set(tags)
    version = change_entry(
        engine,
        name,
        pid,
        current_user(),
        tags=sorted(now),
        expected_version=if_version or int(entry["version"]),
    )
    typer.echo(f"{pid} on {_plain(name)!r}: tags {_plain(', '.join(sorted(now)) or '(none)')} "
               f"(version {version}).")  # fmt: skip


@shortlist_app.command("note")
def shortlist_note(
    name: ListArgument,
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a note to a person's entry (kept with its author and time)."""
    from talent.pipeline import current_user
    from talent.store import add_note

    if not text.strip():
        raise CliError("the note is empty")
    engine, name, (pid,) = _list_and_people(_load(db, config), name, [who])
    add_note(engine, name, pid, text, current_user())
    typer.echo(f"Note added to {pid} on {_plain(name)!r}.")


EmailsArgument = Annotated[
    list[str], typer.Argument(help="E-mail addresses, as the hiring managers sign in.")
]


def _share_args(settings: Settings, name: str, emails: list[str]) -> tuple[Engine, str, list[str]]:
    """The store, the list (which must exist) and the addresses, checked: one line on
    bad input."""
    from talent.access import share_address
    from talent.pipeline import check_list_name
    from talent.store import load_shortlists

    try:
        addresses = list(dict.fromkeys(share_address(e) for e in emails))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    name = _pipeline_call(check_list_name, name)
    engine = _open_existing(settings)
    if name not in set(load_shortlists(engine)["name"]):
        raise CliError(f"no shortlist {name!r}: talent shortlist show lists them")
    return engine, name, addresses


@shortlist_app.command("share")
def shortlist_share(
    name: ListArgument, emails: EmailsArgument, db: DbOption = None, config: ConfigOption = None
) -> None:
    """Share a list with hiring managers: signed in to the app, they see it (and no other
    list), comment on its people and export it."""
    from talent.pipeline import current_user
    from talent.store import share_shortlist

    engine, name, addresses = _share_args(_load(db, config), name, emails)
    added = share_shortlist(engine, name, addresses, current_user())
    kept = len(addresses) - len(added)
    typer.echo(
        f"{_plain(name)!r} shared with {len(added)} more"
        + (f"; {kept} had it already" if kept else "")
        + "."
    )


@shortlist_app.command("unshare")
def shortlist_unshare(
    name: ListArgument, emails: EmailsArgument, db: DbOption = None, config: ConfigOption = None
) -> None:
    """Stop sharing a list with these addresses."""
    from talent.store import unshare_shortlist

    engine, name, addresses = _share_args(_load(db, config), name, emails)
    gone = unshare_shortlist(engine, name, addresses)
    missing = len(addresses) - len(gone)
    typer.echo(
        f"{_plain(name)!r} no longer shared with {len(gone)}"
        + (f"; {missing} did not have it" if missing else "")
        + "."
    )


@shortlist_app.command("show")
def shortlist_show(
    name: Annotated[
        str | None, typer.Argument(help="A shortlist; without it, every shortlist.")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Every change and note, oldest first.")
    ] = False,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The shortlists, or one list's people by stage (with versions for --if-version)."""
    from talent.pipeline import STAGES, check_list_name, entry_notes
    from talent.store import load_entries, load_events, load_shares, load_shortlists

    engine = _open_existing(_load(db, config))
    lists = load_shortlists(engine)
    if name is None:
        if lists.empty:
            raise CliError("no shortlists yet: talent shortlist add 'DevRel' LOGIN")
        shared = load_shares(engine).groupby("shortlist")["email"].agg(", ".join)
        frame = lists.assign(
            created_at=lists["created_at"].dt.strftime("%Y-%m-%d"),
            shared_with=lists["name"].map(shared).fillna(""),
        )
        return _print_frame(frame, format, title="Shortlists")
    name = _pipeline_call(check_list_name, name)
    if name not in set(lists["name"]):
        raise CliError(f"no shortlist {name!r}: talent shortlist show lists them")
    # Whoever opted out since they were listed is no longer among the people: not shown.
    people = load_people(engine)[["person_id", "login", "name"]]
    if history:
        events = load_events(engine, name).merge(people, on="person_id", how="inner")
        frame = events[["at", "who", "person_id", "login", "what", "old", "new"]]
        frame = frame.assign(at=frame["at"].dt.strftime("%Y-%m-%d %H:%M"))
        return _print_frame(frame, format, title=f"History of {name!r}")
    entries = load_entries(engine, name).merge(people, on="person_id", how="inner")
    notes = entry_notes(engine, name)
    order = {s: i for i, s in enumerate(STAGES)}
    entries = entries.sort_values(
        ["stage", "added_at"], key=lambda c: c.map(order) if c.name == "stage" else c
    )
    frame = pd.DataFrame(
        {
            "stage": entries["stage"],
            "person_id": entries["person_id"],
            "login": entries["login"].fillna(""),
            "name": entries["name"].fillna(""),
            "tags": [", ".join(t) for t in entries["tags"]],
            "notes": [len(notes.get(p, [])) for p in entries["person_id"]],
            "version": entries["version"],
            "updated": entries["updated_at"].dt.strftime("%Y-%m-%d") + " " + entries["updated_by"],
        }
    )
    _print_frame(frame, format, title=f"{name} ({len(frame)} people)")


def _print_frame(frame: pd.DataFrame, format: OutputFormat, *, title: str) -> None:
    if format == OutputFormat.json:
        typer.echo(to_json(to_records(frame)))
        return
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(frame).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    table = Table(title=_plain(title), title_justify="left")
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*(_plain(_text(v) if not isinstance(v, int | float) else f"{v:g}")
                        for v in row))  # fmt: skip
    Console().print(table)


@shortlist_app.command("export")
def shortlist_export(
    name: ListArgument,
    profile: Annotated[
        str, typer.Option(help="The profile whose rank, score and reasons to give.")
    ] = "recruiter",
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="CSV (safe in any spreadsheet) or JSON.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write here instead of standard output."
        ),
    ] = None,
    new_since: Annotated[
        Path | None,
        typer.Option(
            "--new-since",
            metavar="EARLIER_EXPORT",
            help="Leave out the people in an earlier export of this or any list (CSV or "
            "JSON, matched by person id): only who is new since then.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """A shortlist for a hiring manager: stage, tags and notes beside rank, rank range,
    profile link, score and why, the links behind it, areas and skills; stable person
    ids. CSV opens safely in any spreadsheet; no e-mail address is exported."""
    from talent.export import list_frame
    from talent.pipeline import check_list_name, entry_notes
    from talent.scoring import build_ranking_base, score_base
    from talent.store import load_ats_marks, load_entries, load_shortlists

    settings = _load(db, config)
    name = _pipeline_call(check_list_name, name)
    engine = _open_existing(settings)
    if name not in set(load_shortlists(engine)["name"]):
        raise CliError(f"no shortlist {name!r}: talent shortlist show lists them")
    entries = load_entries(engine, name)
    people = load_people(engine)
    if not entries["person_id"].isin(people["person_id"]).any():
        raise CliError(f"{name!r} has nobody on it yet: talent shortlist add {name!r} LOGIN")
    base = build_ranking_base(engine, settings)
    chosen = load_ranking_profile(engine, settings, profile)
    ranking = score_base(base, chosen, affiliations=(), interval_windows=INTERVAL_WINDOWS)
    frame = list_frame(
        name, ranking, entries, entry_notes(engine, name), base.evidence, people,
        in_ats=set(load_ats_marks(engine)["person_id"]),
    )  # fmt: skip
    if new_since is not None:
        frame = _not_in(frame, new_since)
    _record(engine, settings, "export", frame["person_id"], list=name, profile=profile,
            format=str(format), new_since=new_since is not None)  # fmt: skip
    _write_export(frame, format, output)


def _not_in(frame: pd.DataFrame, earlier: Path) -> pd.DataFrame:
    """``frame`` without the people in the export file ``earlier``, saying how many left."""
    try:
        payload = read_bytes_limited(earlier, MAX_FILE_BYTES, "the earlier export")
    except OSError as exc:
        raise CliError(f"--new-since: cannot read {earlier} ({exc.strerror})") from None
    except InputFileError as exc:
        raise CliError(f"--new-since: {exc}") from None
    try:
        seen = exported_ids(payload)
    except ValueError as exc:
        raise CliError(f"--new-since: {earlier}: {exc}") from None
    keep = ~frame["person_id"].isin(seen)
    Console(stderr=True).print(
        f"{int((~keep).sum())} already in {_plain(str(earlier))}, {int(keep.sum())} new"
    )
    return frame[keep].reset_index(drop=True)


ats_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="People already in your applicant tracking system: import its export (logins or "
    "e-mails) and they show as 'in ATS' on Candidates, the Candidate page and exports.",
    no_args_is_help=True,
)
app.add_typer(ats_app, name="ats")


@ats_app.command("import")
def ats_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A CSV whose first row names a column of logins (login, username, GitHub: "
            "names or profile URLs) or e-mails (email), or one login or e-mail per line.",
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Forget earlier imports first (the file is the whole ATS)."),
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Mark the people an ATS export names as "in ATS". Only who matched is stored (the
    person and whether by login or e-mail), never the file's addresses or rows."""
    from talent.pipeline import import_ats

    settings = _load(db, config)
    try:
        payload = read_bytes_limited(file, MAX_FILE_BYTES, "the ATS export")
    except OSError as exc:
        raise CliError(f"cannot read {file} ({exc.strerror})") from None
    except InputFileError as exc:
        raise CliError(str(exc)) from None
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    try:
        found = import_ats(engine, payload, file.name, replace=replace)
    except ValueError as exc:
        raise CliError(f"{_plain(str(file))}: {exc}") from None
    typer.echo(found.summary())


@ats_app.command("show")
def ats_show(
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="How to print.")
    ] = OutputFormat.table,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Who is marked "in ATS": name, login, how they were matched and from which import."""
    from talent.store import load_ats_marks

    engine = _open_existing(_load(db, config))
    marks = load_ats_marks(engine)
    people = load_people(engine)[["person_id", "name", "login"]]
    frame = marks.merge(people, on="person_id")[
        ["name", "login", "matched_by", "source", "imported_at", "person_id"]
    ]
    if format == OutputFormat.table:
        frame["imported_at"] = frame["imported_at"].dt.strftime("%Y-%m-%d %H:%M")
    if frame.empty and format == OutputFormat.table:
        typer.echo("Nobody is marked in ATS: talent ats import FILE")
        return
    _print_frame(frame, format, title=f"In ATS: {len(frame)} people")


@ats_app.command("clear")
def ats_clear(db: DbOption = None, config: ConfigOption = None) -> None:
    """Forget every "in ATS" mark."""
    from talent.store import save_ats_marks

    save_ats_marks(_open_existing(_load(db, config)), {}, "", replace=True)
    typer.echo("No one is marked in ATS now.")


search_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Saved searches: a profile, filters and skill words under a name, for talent digest.",
    no_args_is_help=True,
)
app.add_typer(search_app, name="search")


@search_app.command("save")
def search_save(
    name: Annotated[str, typer.Argument(help="The search's name, e.g. 'cuda people'.")],
    profile: Annotated[str, typer.Option(help="How to rank.")] = "recruiter",
    skill: Annotated[str, typer.Option(help="Only people whose work matches.")] = "",
    repo: Annotated[
        list[str] | None, typer.Option(metavar="OWNER/REPO", help="Repeatable.")
    ] = None,
    affiliation: Annotated[
        list[str] | None, typer.Option(help="Repeatable; default: the profile's.")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=1000, help="How much of the top to follow.")] = 50,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Save a search under a name (replacing one of that name)."""
    from talent.digest import Search, save
    from talent.pipeline import check_list_name

    name = _pipeline_call(check_list_name, name)
    settings = _load(db, config)
    engine = _open_existing(settings)
    load_ranking_profile(engine, settings, profile)  # an unknown profile is one line
    if repo:
        _check_repos(engine, repo)
    known = {"community", "former_employee", "employee", "unknown"}
    bad = sorted(set(affiliation or ()) - known)
    if bad:
        raise CliError(f"--affiliation: unknown {bad[0]!r} (use {', '.join(sorted(known))})")
    save(engine, name, Search(profile, skill.strip(), tuple(repo or ()),
                              tuple(affiliation or ()), top))  # fmt: skip
    typer.echo(f"Search {_plain(name)!r} saved; talent digest --search {_plain(name)!r}")


@search_app.command("list")
def search_list(db: DbOption = None, config: ConfigOption = None) -> None:
    """The saved searches."""
    from talent.digest import searches

    found = searches(_open_existing(_load(db, config)))
    if not found:
        raise CliError("no saved searches yet: talent search save NAME --skill '...'")
    frame = pd.DataFrame(
        [{"name": n, "profile": s.profile, "skill": s.skill, "repos": ", ".join(s.repos),
          "affiliations": ", ".join(s.affiliations), "top": s.top} for n, s in found.items()]
    )  # fmt: skip
    _print_frame(frame, OutputFormat.table, title="Saved searches")


class DigestFormat(StrEnum):
    markdown = "markdown"
    json = "json"


@app.command("digest")
def digest_command(
    search: Annotated[
        str | None,
        typer.Option(help="A saved search; default: the recruiter profile's top 50."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD",
            help="Compare with the last digest taken on or before this date (default: the "
            "last digest).",
        ),
    ] = None,
    format: Annotated[
        DigestFormat, typer.Option("--format", "-f", help="Markdown or JSON.")
    ] = DigestFormat.markdown,
    webhook: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="POST the digest here as JSON ({text, digest}; Slack shows text); default: "
            "the settings' [digest] webhook.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the digest without recording it.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """What changed since the last digest: people new to the top, who rose or fell most
    (and the signal that moved them), new rising contributors, people who went quiet.
    Each digest is recorded (unless --dry-run, or the webhook failed), so the next one
    starts from it."""
    from talent.digest import DigestError, build, keep, send, to_markdown

    settings = _load(db, config)
    url = webhook if webhook is not None else settings.digest_webhook
    if url:
        _check_url(url, "--webhook", "https://hooks.slack.com/services/...")
    since_dt = _parse_since(since)
    if since and since_dt is not None:  # a digest taken during that day counts
        since_dt = since_dt.replace(tzinfo=None) + (timedelta(days=1) if len(since) == 10 else
                                                    timedelta(0))  # fmt: skip
    engine = _open_existing(settings)
    try:
        digest, rows = build(engine, settings, search, since=since_dt)
        text = to_markdown(digest)
        if url:
            send(url, digest, text)
    except DigestError as exc:
        raise CliError(str(exc)) from None
    if not dry_run:
        keep(engine, digest, rows)
    if format == DigestFormat.json:
        typer.echo(json.dumps(digest.as_dict(), indent=1))
    else:
        typer.echo(_plain_block(text))
    if url:
        Console(stderr=True).print("Digest sent to the webhook.")


@app.command("outreach")
def outreach(
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    profile: Annotated[
        str, typer.Option(help="The profile whose reasons choose the work to cite.")
    ] = "recruiter",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the draft here."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """A message draft for a person: it cites their public work in your repositories (the
    links behind their top contributions, their areas, a recent merged pull request) and
    carries the privacy notice (sources used, how to opt out). The text is the settings
    file's [outreach] template. talent never sends anything."""
    from talent.outreach import draft
    from talent.scoring import build_ranking_base, score_base

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    person_id = _find_person(engine, who)
    base = build_ranking_base(engine, settings)
    chosen = load_ranking_profile(engine, settings, profile)
    ranking = score_base(base, chosen, affiliations=())
    if person_id not in set(ranking["person_id"]):
        raise CliError(f"{who!r} has no activity to cite (a bot, or nothing mined)")
    text = draft(engine, settings, person_id, ranking, base.evidence)
    _record(engine, settings, "outreach", [person_id], profile=profile)
    if output is None:
        typer.echo(_plain_block(text))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--output: cannot write {output} ({exc.strerror})") from None
    Console(stderr=True).print(f"Draft written to {_plain(str(output))}")


def _plain_block(text: str) -> str:
    """Multi-line text for the terminal: control characters dropped, lines kept."""
    return "\n".join(_CONTROL.sub("", line) for line in text.split("\n"))


model_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="The maintainer model: learn it from the owner files of mined repositories.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")


@model_app.command("train")
def model_train(
    stores: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[DB]...",
            help="Databases to learn from, each a file path or SQLAlchemy URL (default: "
            "--db). Every repository in them counts once.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="Where to write the model.")
    ] = Path("maintainer_model.json"),
    target: Annotated[
        str,
        typer.Option(
            help="Learn who was ever named in the owner files ('ever') or who is named "
            "at the head ('now', as the shipped model)."
        ),
    ] = MODEL_TARGET,
    folds: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also score it by cross-validation over this many groups of repositories "
            "(0: no check; needs at least this many repositories that name someone).",
        ),
    ] = 5,
) -> None:
    """Learn the maintainer model from who the mined repositories' owner files name.

    Labels are the people CODEOWNERS, OWNERS and MAINTAINERS files named (talent mine
    git reads every version), matched to people by identity resolution. The model is
    one rising curve per signal; its file is small JSON. To rank with it, add to the
    settings file:

        [profiles.ours]
        based_on = "learned"
        model = "maintainer_model.json"
    """
    from talent.config import resolve_db_url
    from talent.learning import (
        FIT,
        MODEL_SIGNALS,
        cross_validate,
        fit_model,
        ndcg_at,
        person_table,
        ranked,
    )

    if target not in ("ever", "now"):
        raise CliError("--target is 'ever' or 'now'")
    settings = _load(db, config)
    urls = [resolve_db_url(s) for s in stores] if stores else [settings.db_url]
    tables: dict[str, pd.DataFrame] = {}
    console = Console(stderr=True)
    for url in urls:
        store_settings = _load(url, config)
        engine = _open_existing(store_settings)
        names = load_repos(engine)["full_name"].tolist()
        with console.status(f"Reading {len(names)} repositories from {url}..."):
            for repo in names:
                table = person_table(engine, store_settings, repos=[repo])
                if not table.empty:
                    tables[f"{url} {repo}" if len(urls) > 1 else repo] = table
        engine.dispose()
    label = f"named_{target}"
    named = {r: t for r, t in tables.items() if t[label].any()}
    if not named:
        raise CliError(
            "no mined repository's owner files name anyone its history knows: mine "
            "repositories with CODEOWNERS, OWNERS or MAINTAINERS files (talent mine git)"
        )
    model = fit_model(named, MODEL_SIGNALS, label, **FIT)
    out.write_text(model.to_json() + "\n")
    people = sum(int(t[label].sum()) for t in named.values())
    typer.echo(
        f"learned from {len(named)} repositories ({people} people named, "
        f"{sum(len(t) for t in named.values())} in all); wrote {out}"
    )
    if folds >= 2 and len(named) >= folds:

        def judge(repo, scores):
            relevant = set(named[repo].index[named[repo][label]])
            for method, score in scores.items():
                order = ranked(score[score > 0] if method == "commit count" else score)
                yield {"method": method, "ndcg20": ndcg_at(order, relevant, 20)}

        rows = cross_validate(named, MODEL_SIGNALS, judge, folds, label, **FIT)
        means = rows.groupby("method")["ndcg20"].mean()
        typer.echo(
            f"held-out NDCG@20 over {folds} groups of repositories (who the owner files "
            f"name): learned {means['learned']:.3f}, maintainer profile "
            f"{means['maintainer']:.3f}, commit count {means['commit count']:.3f}"
        )
    elif folds >= 2:
        typer.echo(f"(no cross-validation: fewer than {folds} repositories name anyone)")


@app.command()
def maintainers(
    db: DbOption = None,
    config: ConfigOption = None,
    repo: Annotated[
        list[str] | None,
        typer.Option(metavar="OWNER/REPO", help="Only this repository; repeatable."),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            help="Only this area: a component of the repository, as the report names it "
            "(a folder such as pkg/webhook or sdk/python, or (root))."
        ),
    ] = None,
    months: Annotated[
        int, typer.Option(min=1, help="Work within this many months counts as current.")
    ] = 12,
    docs: Annotated[
        bool,
        typer.Option(
            "--docs/--no-docs", help="Count documentation in the truck factor (the paper may not)."
        ),
    ] = True,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    section: Annotated[
        Section | None,
        typer.Option(help="Only this part (CSV needs one; default: bus-factor)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows per table.")] = 15,
) -> None:
    """Who owns what, where the bus factor is one, who the owner files name and where
    they no longer match who does the work, who is ready for more responsibility and
    who is likely to be named next (--section next: per repository, people no owner
    file names, by a model of the trajectory before people were named; everyone is a
    candidate where no owner file names anyone).

    Owner files (CODEOWNERS, OWNERS, MAINTAINERS, governance docs) are read over their
    whole history by `talent mine git`; a named owner that matches nobody is reported,
    never guessed.
    """
    from talent.stewardship import maintainers_report

    settings = _load(db, config)
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; run `talent demo` or a miner first")
    _check_repos(engine, repo)
    report = maintainers_report(
        engine, settings, repos=repo, area=area, months=months, include_docs=docs
    )
    names = load_people(engine).set_index("person_id")["name"].to_dict()
    tables = _maintainer_tables(report, names)
    if format == OutputFormat.json:
        drift = {k.removeprefix("drift_"): to_records(f) for k, f in tables.items() if "drift" in k}
        payload = {
            **{k: to_records(f) for k, f in tables.items() if "drift" not in k},
            "drift": drift,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if format == OutputFormat.csv:
        key = str(section or Section.bus_factor).replace("-", "_")
        chosen = (
            pd.concat(
                [
                    f.assign(part=k.removeprefix("drift_"))
                    for k, f in tables.items()
                    if k.startswith("drift_")
                ],
                ignore_index=True,
            )  # fmt: skip
            if key == "drift"
            else tables["named_owners" if key == "named" else key]
        )
        typer.echo(to_safe_csv(chosen).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    _print_maintainers(tables, section, top, months)


def _maintainer_tables(report, names: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The report's frames as people read them: names for ids, dates, no e-mail."""
    from talent.stewardship import area_owners

    def who(ids) -> str:
        return ", ".join(str(names.get(i, i)) for i in ids)

    named = report.named_owners.assign(
        since=report.named_owners["since"].dt.strftime("%Y-%m-%d"),
        until=report.named_owners["until"].dt.strftime("%Y-%m-%d"),
    )[["login", "person_id", "name", "kind", "source", "pattern", "role", "since", "until",
       "current", "evidence"]]  # fmt: skip
    named = named.assign(login=named["login"].where(named["kind"] != "email", "(e-mail)"))
    bus = report.bus_factor.assign(
        truck_people=[who(p) for p in report.bus_factor["truck_people"]],
        absence_people=[who(p) for p in report.bus_factor["absence_people"]],
    ).rename(columns={"key": "area"})
    owners = report.owners[report.owners["is_owner"]].rename(columns={"key": "area"})
    drift = report.drift
    areas = area_owners(report)
    return {
        "named_owners": named,
        "bus_factor": bus,
        "areas": areas[["repo", "area", "source", "files", "named", "in_practice"]],
        "left_out": report.left_out,
        "owners": owners[
            [
                "repo",
                "area",
                "person",
                "name",
                "login",
                "share",
                "commits",
                "reviews",
                "merges",
                "last_active",
            ]
        ],  # fmt: skip
        "drift_idle": drift.idle.rename(columns={"key": "area"}),
        "drift_unnamed": drift.unnamed.rename(columns={"key": "area"}),
        "drift_unowned": drift.unowned.rename(columns={"key": "area"}),
        "drift_teams": drift.teams,
        "ready": report.ready.rename(columns={"key": "area"}),
        "next": report.next_up.assign(
            chance=(report.next_up["probability"].astype(float) * 100).round(0).astype(int)
        )[["repo", "rank", "person", "name", "login", "chance", "rising", "evidence"]],
    }


def _print_maintainers(tables, section, top: int, months: int) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)

    def show(title: str, frame: pd.DataFrame, columns: list[str], empty: str) -> None:
        if frame.empty:
            console.print(f"[bold]{title}[/bold]: {empty}", highlight=False)
            return
        table = Table(title=f"{title} ({len(frame):,})", title_justify="left")
        for col in columns:
            width = 70 if col == "evidence" else 40
            table.add_column(col.replace("_", " "), overflow="ellipsis", max_width=width)
        for row in frame.head(top).itertuples(index=False):
            values = row._asdict()
            table.add_row(*(_plain(_cell(values[c])) for c in columns))
        console.print(table)

    wanted = {str(section)} if section else {s.value for s in Section} - {"left-out"}
    if "bus-factor" in wanted:
        show("Bus factor, riskiest first", tables["bus_factor"],
             ["repo", "area", "files", "truck_factor", "truck_people", "absence_factor"],
             "no files in view")  # fmt: skip
        console.print(left_out_summary(tables["left_out"]), highlight=False)
    if "left-out" in wanted:
        show("Left out of the bus factor and ownership", tables["left_out"],
             ["repo", "path", "reason", "rule"], "nothing")  # fmt: skip
    if "areas" in wanted:
        show("Owners by area: named, and in practice ((named) marks both)", tables["areas"],
             ["repo", "area", "source", "files", "named", "in_practice"], "no area")  # fmt: skip
    if "owners" in wanted:
        show("Owners in practice", tables["owners"],
             ["repo", "area", "name", "login", "share", "commits", "reviews", "last_active"],
             "nobody")  # fmt: skip
    if "named" in wanted:
        named = tables["named_owners"]
        current = named[named["current"]]
        show("Named in owner files now", current,
             ["login", "name", "source", "pattern", "role", "since", "evidence"],
             "no owner file names anyone (CODEOWNERS, OWNERS, MAINTAINERS, governance "
             "docs)")  # fmt: skip
        unmatched = current[current["person_id"].isna() & (current["kind"] != "team")]
        if len(unmatched):
            console.print(
                f"{len(unmatched)} named owners match nobody in the data (never guessed): "
                + _plain(", ".join(sorted(set(unmatched["login"]))[:20])),
                highlight=False,
            )
    if "drift" in wanted:
        show(f"Named but idle for {months} months where named", tables["drift_idle"],
             ["repo", "area", "login", "role", "last_active", "reason"], "none")  # fmt: skip
        show("Owners in practice nobody named (candidates to add)", tables["drift_unnamed"],
             ["repo", "area", "name", "evidence"], "none")  # fmt: skip
        show("Areas no active person owns", tables["drift_unowned"],
             ["repo", "area", "files", "named", "last_owner_activity"], "none")  # fmt: skip
        show("Teams that could not be expanded", tables["drift_teams"],
             ["repo", "login", "source", "pattern"], "none")  # fmt: skip
    if "ready" in wanted:
        show("Ready for more responsibility", tables["ready"],
             ["repo", "area", "name", "login", "evidence"], "nobody yet")  # fmt: skip
    if "next" in wanted:
        named = tables["named_owners"]
        show("Next maintainers: likely to be named within the year (chance %)",
             tables["next"], ["repo", "rank", "name", "login", "chance", "evidence"],
             "nobody: everyone active is named already")  # fmt: skip
        if named.empty and len(tables["next"]):
            console.print("No owner file names anyone here: everyone is a candidate.",
                          highlight=False)  # fmt: skip


def left_out_summary(left: pd.DataFrame) -> str:
    """One line: how many files the bus factor leaves out, by reason.

    >>> import pandas as pd
    >>> left_out_summary(pd.DataFrame({"reason": ["generated", "generated", "lock file"]}))
    'Left out: 3 files (generated 2, lock file 1); list them with --section left-out.'
    >>> left_out_summary(pd.DataFrame({"reason": []}))
    'Left out: no file (no generated, vendored, lock, data or bulk-added file found).'
    """
    if left.empty:
        return "Left out: no file (no generated, vendored, lock, data or bulk-added file found)."
    counts = left["reason"].value_counts()
    by = ", ".join(f"{reason} {n:,}" for reason, n in counts.items())
    return f"Left out: {len(left):,} files ({by}); list them with --section left-out."


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else f"{value:%Y-%m-%d}"
    return str(value)


@app.command("app")
def run_app(
    db: DbOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to bind (0.0.0.0 to serve other machines).")
    ] = "127.0.0.1",
    headless: Annotated[
        bool,
        typer.Option(
            "--headless",
            help="Never open a browser tab (one opens only in a terminal with a display).",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Open the Streamlit app on the database (missing or empty: it offers the demo).

    Never asks anything: Streamlit is configured here (headless server, no usage
    statistics, the viewer's toolbar), whatever folder it is started from and with or
    without a terminal. Stop it with Ctrl+C (or SIGTERM).
    """
    settings = _load(db, config)
    problem = _app_problem(settings, address, port)
    if problem:
        raise CliError(problem)
    code = _launch_app(settings, config, address, port, headless)
    raise typer.Exit(code)


def _app_problem(settings: Settings, address: str, port: int) -> str | None:
    """Why the app cannot start (sign-in needed for this address, a secret missing, the
    port taken), or None."""
    from talent.signin import app_launch_problem

    return app_launch_problem(settings, address) or port_problem(address, port)


def _launch_app(settings: Settings, config: str | None, address: str, port: int,
                headless: bool) -> int:  # fmt: skip
    """Run the app (``talent app``, ``talent serve``) until SIGTERM or SIGINT: its settings
    and database in the environment, the sign-in secrets in a private file outside the
    checkout for its lifetime; Streamlit's exit status."""
    from talent.signin import SignInProblem, app_env, sign_in_note, streamlit_secrets

    env = app_env(settings, os.environ)
    env[DB_ENV_VAR] = settings.db_url
    if config:  # the app reads the same settings file (its profiles, company, people)
        env[CONFIG_ENV_VAR] = str(Path(config).resolve())
    url = f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else address}:{port}"
    typer.echo(sign_in_note(settings), err=True)
    typer.echo(f"Starting talent on {url} (database {settings.db_url})...", err=True)
    try:
        with streamlit_secrets(settings) as secrets_file:
            return serve_streamlit(
                streamlit_command(address, port, secrets_file),
                env,
                url,
                on_ready=lambda: _app_ready(url, open_browser=not headless),
            )
    except SignInProblem as exc:
        raise CliError(str(exc)) from None


def streamlit_command(address: str, port: int, secrets_file: Path | None = None) -> list[str]:
    """``streamlit run`` on the app with every setting given on the command line, so
    neither the folder it starts in (a ``.streamlit/config.toml`` there or not) nor a
    missing terminal changes anything. ``secrets_file``: the only secrets file Streamlit
    reads (:func:`talent.signin.streamlit_secrets`), so one in the folder it starts in
    cannot change the sign-in."""
    entry = Path(__file__).parent / "ui" / "entry.py"
    settings = {
        "server.port": port,
        "server.address": address,
        # Headless: Streamlit neither opens a tab nor asks for an e-mail on its first
        # run (that prompt waits for a terminal, or exits when there is none).
        "server.headless": "true",
        "server.showEmailPrompt": "false",
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "browser.gatherUsageStats": "false",
        "global.developmentMode": "false",
        # The viewer's toolbar: no "Deploy" button, no developer menu.
        "client.toolbarMode": "viewer",
        # The dataframe toolbar's CSV export does not neutralise formulas: the app's
        # own download button (talent.export) is the only export.
        "client.disableDataExport": "true",
        "client.showErrorDetails": "none",
    }
    if secrets_file:  # then the only secrets file Streamlit reads
        settings["secrets.files"] = str(secrets_file)
    command = [sys.executable, "-m", "streamlit", "run", str(entry)]
    for key, value in settings.items():
        command += [f"--{key}", str(value)]
    return command


def port_problem(address: str, port: int) -> str | None:
    """Why the app cannot serve on ``address:port`` (taken, or not an address here),
    or None."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--address: {address!r} is not an address of this machine"
    family, _type, _proto, _name, sockaddr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the server binds: a port left in TIME_WAIT by the last run is free, one
        # that something listens on is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(sockaddr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {address} is taken (is talent app already running?); "
                    f"open that one, or choose another with --port {port + 1}"
                )
            return f"cannot serve on {address}:{port}: {exc.strerror}"
    return None


def serve_streamlit(command: list[str], env: dict[str, str], url: str, on_ready) -> int:
    """Run Streamlit until it ends, calling ``on_ready`` once it answers; SIGTERM and
    SIGINT are passed on, so stopping ``talent app`` stops the server (no orphan keeps
    the port). Returns Streamlit's exit status (0 when stopped by a signal)."""
    import signal
    import threading
    import urllib.request

    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
    stopped = threading.Event()

    def forward(signum, _frame) -> None:
        stopped.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and not stopped.is_set() and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        on_ready()
                        break
            except OSError:
                time.sleep(0.2)
        while True:
            try:
                code = proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                continue
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if proc.poll() is None:
            proc.kill()
    return 0 if stopped.is_set() else code


def _app_ready(url: str, open_browser: bool) -> None:
    typer.echo(f"talent is ready: open {url} in a browser (Ctrl+C stops it)", err=True)
    if open_browser and sys.stdout.isatty() and _has_display():
        import webbrowser

        webbrowser.open(url, new=2)


def _has_display() -> bool:
    """A screen to open a browser on: any desktop on macOS and Windows, an X or Wayland
    display elsewhere."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


access_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Who saw what: every Candidate page viewed, every export of people and every "
    "outreach draft, in the app and here, with who, when and the filters. Kept [access] "
    "retention_days (default 365); a person's opt-out or purge takes them out of it.",
    no_args_is_help=True,
)
app.add_typer(access_app, name="access")


@access_app.command("log")
def access_log_command(
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            metavar="WHO",
            help="Only entries about this person (login, e-mail, full name, profile URL or "
            "person id, as `talent privacy` takes them).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Only entries on or after this date (UTC)."),
    ] = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The access log, oldest first: when (UTC), who (the signed-in user in the app,
    TALENT_USER or this login here), what (view, export, outreach), where (app, cli),
    the people and the filters. CSV opens safely in any spreadsheet."""
    from talent.accesslog import access_log
    from talent.privacy import PrivacyError, resolve_person

    settings = _load(db, config)
    since_dt = _parse_since(since)
    engine = _open_existing(settings)
    ids = None
    if person is not None:
        ensure_people(engine, settings)
        try:
            ids = resolve_person(engine, person)
        except PrivacyError as exc:
            raise CliError(str(exc)) from None
    frame = access_log(engine, ids, since_dt)
    if format == OutputFormat.json:
        typer.echo(to_json(to_records(frame)))
        return
    shown = frame.assign(
        people=[" ".join(p) for p in frame["people"]],
        filters=[json.dumps(f, ensure_ascii=False, sort_keys=True) for f in frame["filters"]],
    )
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(shown).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    if frame.empty:
        typer.echo("the access log holds nothing" + (" about them" if person else ""))
        return
    shown["at"] = [f"{pd.Timestamp(a):%Y-%m-%d %H:%M}" for a in frame["at"]]
    shown["people"] = [f"{len(p)} people" if len(p) > 3 else " ".join(p) for p in frame["people"]]
    _print_frame(shown, format, title=f"Access log ({len(shown)} entries)")


@access_app.command("prune")
def access_prune(db: DbOption = None, config: ConfigOption = None) -> None:
    """Delete entries older than the settings file's [access] retention_days (default
    365; every new entry does this too). Without a retention nothing is deleted."""
    from talent.accesslog import apply_access_retention

    settings = _load(db, config)
    if settings.access_log_days is None:
        raise CliError("no retention is set: [access] retention_days keeps the log for ever")
    gone = apply_access_retention(_open_existing(settings), settings)
    typer.echo(f"{gone:,} access-log entries older than {settings.access_log_days} days deleted")


# --- talent serve and talent health --------------------------------------------------------


def _log(line: str) -> None:
    """A progress line of ``talent serve`` on stderr, stamped with the UTC time."""
    text = _CONTROL.sub("", _SPACES.sub(" ", line))
    typer.echo(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {text}", err=True)


@app.command("serve")
def serve(
    db: DbOption = None,
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the app.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address the app binds (0.0.0.0 to serve other machines).")
    ] = "127.0.0.1",
    headless: Annotated[bool, typer.Option("--headless", help="Never open a browser tab.")] = False,
    no_app: Annotated[
        bool, typer.Option("--no-app", help="Run the schedule only, without the app.")
    ] = False,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="One scheduled run now, then exit (0 when every source went well): for "
            "cron or a systemd timer. No app.",
        ),
    ] = False,
    github_url: Annotated[
        str, typer.Option(help="GitHub API root: GitHub Enterprise (https://host/api/v3).")
    ] = "https://api.github.com",
    hub_endpoint: Annotated[
        str, typer.Option(metavar="URL", help="The Hugging Face Hub's address (a mirror).")
    ] = "https://huggingface.co",
    max_wait: Annotated[
        float,
        typer.Option(
            help="Longest wait for a rate-limit reset, in seconds; past it the source stops "
            "and the next run resumes it."
        ),
    ] = 900.0,
) -> None:
    """Run the app and the settings' [schedule]: mine its GitHub orgs, Hub orgs and git
    clones every every_hours (incrementally, as talent mine does), then send the digest
    to the [digest] webhook. The first run starts at once unless the last one, recorded
    in the store, is recent. Progress lines go to stderr.

    One scheduler per store: a second talent serve on the same database stops with one
    line. Tokens come from the environment: the settings' token_env (GITHUB_TOKEN) for
    GitHub, HF_TOKEN (optional) for the Hub. Stop it with Ctrl+C or SIGTERM: the run under
    way stops at its next repository or batch, and the next run resumes it. Check it
    with talent health.
    """
    from talent.schedule import (
        ScheduleBusy,
        SourceOptions,
        acquire_lock,
        run_scheduled,
        schedule_problem,
        scheduling,
    )

    settings = _load(db, config)
    schedule = settings.schedule
    if schedule is None:
        raise CliError(
            "the settings have no [schedule]: add one (every_hours, and github, hf or git "
            "lists) to the settings file, or run the app alone with: talent app"
        )
    problem = schedule_problem(schedule)
    if problem:
        raise CliError(problem)
    _check_url(github_url, "--github-url", "https://api.github.com")
    _check_url(hub_endpoint, "--hub-endpoint", "https://huggingface.co")
    github_token = os.environ.get(settings.token_env, "").strip()
    if schedule.github and not github_token:
        raise CliError(f"no GitHub token: set {settings.token_env} (the schedule mines GitHub)")
    try:
        lock = acquire_lock(settings.db_url)
    except ScheduleBusy as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with lock:
        run_app_too = not (no_app or once)
        if run_app_too:
            problem = _app_problem(settings, address, port)
            if problem:
                raise CliError(problem)
        engine = _opened(settings)
        options: SourceOptions = {
            "github_token": github_token or None,
            "hf_token": os.environ.get("HF_TOKEN", "").strip() or None,
            "github_url": github_url,
            "hub_endpoint": hub_endpoint,
            "max_wait": max_wait,
        }
        if once:
            report = run_scheduled(engine, settings, log=_log, **options)
            raise typer.Exit(0 if report.ok else 1)
        from sqlalchemy.engine import make_url

        shown = make_url(settings.db_url).render_as_string(hide_password=True)  # no secret
        _log(f"scheduling {shown} every {schedule.every_hours:g} h (lock: {lock.where})")
        if schedule.digest and not settings.digest_webhook:
            _log("no [digest] webhook in the settings: the digest is not sent")
        with scheduling(engine, settings, log=_log, **options):
            code = _launch_app(settings, config, address, port, headless) if run_app_too else 0
            if not run_app_too:
                _wait_for_signal()
        _log("talent serve stopped")
        raise typer.Exit(code)


def _wait_for_signal() -> None:
    import signal
    import threading

    stopped = threading.Event()
    previous = {
        s: signal.signal(s, lambda _signum, _frame: stopped.set())
        for s in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not stopped.wait(1.0):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@app.command("health")
def health(
    db: DbOption = None,
    config: ConfigOption = None,
    url: Annotated[
        str, typer.Option(metavar="URL", help="The app's address, as talent serve prints it.")
    ] = "http://127.0.0.1:8501",
    no_app: Annotated[
        bool, typer.Option("--no-app", help="Check the schedule only (talent serve --no-app).")
    ] = False,
    max_age: Annotated[
        float | None,
        typer.Option(
            metavar="HOURS",
            min=0.0,
            help="Longest time since the last scheduled run ended (default: twice "
            "[schedule] every_hours).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Exit 0 when talent serve is healthy: the app answers URL/_stcore/health and the
    last scheduled run ended well within --max-age hours (or none was due yet); else one
    line saying why, and exit 1. For a supervisor: Docker HEALTHCHECK, systemd, a
    monitor."""
    import urllib.request

    from talent.schedule import health_problem, load_schedule_state

    settings = _load(db, config)
    said = []
    if not no_app:
        _check_url(url, "--url", "http://127.0.0.1:8501")
        target = url.rstrip("/") + "/_stcore/health"
        try:
            with urllib.request.urlopen(target, timeout=10) as resp:
                answer = resp.status
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise CliError(f"the app does not answer at {target}: {reason}") from None
        if answer != 200:
            raise CliError(f"the app answers {answer} at {target}")
        said.append("the app answers")
    if settings.schedule is not None:
        state = load_schedule_state(_open_existing(settings))
        problem = health_problem(state, settings.schedule, datetime.now(UTC), max_age)
        if problem:
            raise CliError(problem)
        said.append(
            f"last scheduled run ended {state.last_end:%Y-%m-%d %H:%M:%S} UTC: {state.status}"
            if state.last_end
            else "no scheduled run has ended yet"
        )
    else:
        said.append("no [schedule] in the settings")
    typer.echo("ok: " + "; ".join(said))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
