"""What every command group shares: the one-line errors, the --db and --config options,
opening the store, and the helpers that print names, tables and frames safely."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from talent.config import DB_ENV_VAR, ConfigError, Settings, load_settings, sqlite_path
from talent.lazy import LazyModule
from talent.store import load_repos, open_store

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")


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


# The failures a user can cause, reported as their one line: (module, class). A class is
# looked up only once its module is loaded (an error of a module never imported cannot
# have been raised), so a command imports neither the people nor the views layer only to
# name their errors (``talent mine git`` with nothing new stays quick).
_USER_ERRORS = (
    ("talent.cli.common", "CliError"),
    ("talent.store", "StoreError"),
    ("talent.config", "ConfigError"),
    ("talent.people.identity", "OverrideError"),  # the people file
    ("talent.views.evaluate", "TruthError"),  # the truth file
    ("talent.files", "InputFileError"),  # a file too large or too deep
    ("talent.store.keys", "KeyProblem"),
)


def _user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one of :data:`_USER_ERRORS`."""
    known = tuple(
        getattr(sys.modules[module], name) for module, name in _USER_ERRORS if module in sys.modules
    )
    return isinstance(exc, known)


class _OneLineErrors(TyperGroup):
    """Report usage errors and known failures as one ``error:`` line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _coerce_plainly(self, ctx)
        return super().parse_args(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _coerce_plainly(command, ctx)
        return command

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
        except Exception as exc:
            if _user_error(exc):
                # The settings, people and truth files' errors name the file and line; a
                # file too large or too deep for talent names the file.
                typer.echo(f"error: {exc}", err=True)
                sys.exit(1)
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


def _coerce_plainly(command: Any, ctx: Any) -> None:
    """Text and path values of ``command`` checked as typer checks them, without pydantic.

    typer 0.2x coerces each value through a pydantic ``TypeAdapter``, and importing
    pydantic costs a tenth of a second, as much as everything ``talent mine git`` does
    when there is nothing new. A parameter annotated ``str``, ``Path`` or ``bool`` (or a
    list of them) with no parser gets :class:`_PlainValues` instead: the same text, the
    same flag, and for paths typer's own checks (``exists``, ``readable``...) and
    messages. Any other value, or type, and a typer without these internals, is left to
    typer."""
    plain = _plain_values_class()
    if plain is None:
        return
    for param in command.get_params(ctx):  # --help too
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue
        info = descriptor.parameter_info
        annotation = descriptor.annotation
        if getattr(annotation, "__origin__", None) is list and len(annotation.__args__) == 1:
            annotation = annotation.__args__[0]
        if (
            annotation in (str, Path, bool)
            and info.parser is None
            and getattr(info, "click_type", None) is None
        ):
            param._runtime_param = plain(
                parameter_info=info, annotation=descriptor.annotation, item=annotation
            )


@functools.cache
def _plain_values_class() -> Any:
    """:class:`_PlainValues`, made once; None when typer has no pydantic coercion."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path
    except ImportError:  # an older typer: click's own types, no pydantic
        return None

    @dataclass(frozen=True)
    class _PlainValues(RuntimeParam):
        item: Any = str  # str, Path or bool: the type of each value

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if isinstance(value, list | tuple):
                return [self._one(v, param, ctx) for v in value]
            return self._one(value, param, ctx)

        def _one(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.item is bool and isinstance(value, bool):
                return value
            if self.item is bool or not isinstance(value, str) or not value:
                # Not from the command line: typer's own coercion says what it is.
                descriptor = param.type_descriptor
                if descriptor.annotation is not self.item:
                    descriptor = replace(descriptor, annotation=self.item)
                own = build_runtime_param(descriptor)
                return own._coerce_value(value, param=param, ctx=ctx)
            if self.item is str:
                return value
            info = self.parameter_info
            return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)

    return _PlainValues


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


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

SinceOption = Annotated[
    str | None,
    typer.Option(metavar="YYYY-MM-DD", help="Only activity on or after this date."),
]

RepoOption = Annotated[
    list[str] | None,
    typer.Option(metavar="OWNER/REPO", help="Only this repository's activity; repeatable."),
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
    from talent.people.privacy import finish_pending

    engine = open_store(settings.db_url, create=create)
    finish_pending(engine, settings)
    return engine


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--since: {value!r} is not a date like 2025-01-31") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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


def _identity_text(ident: dict) -> str:
    parts = [ident["name"] or ""]
    if ident["email"]:
        parts.append(f"<{ident['email']}>")
    if ident["login"]:
        parts.append(f"@{ident['login']}")
    return " ".join(p for p in parts if p)


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


def _check_url(url: str, option: str, example: str) -> None:
    """One line unless ``url`` is an http(s) URL with a host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"{option} must be an http(s) URL with a host, like {example}; got {url!r}")


def _find_person(engine, who: str) -> str:
    """A person id from a person id, the login a ranking shows, an email or a name."""
    from talent.people.identity import PersonNotFound, find_person

    try:
        return find_person(engine, who)
    except PersonNotFound as exc:
        raise CliError(str(exc)) from None


def _say_company(engine, settings: Settings, *, quiet: bool = False) -> None:
    """One line to stderr on the company affiliation uses (inferred, set, or a warning
    when none is known); ``quiet`` keeps only the warning (machine-read output)."""
    from rich.console import Console

    from talent.people.affiliation import company_warning, describe_company
    from talent.people.identity import infer_company

    company = infer_company(engine, settings)
    console = Console(stderr=True, highlight=False)
    warning = company_warning(company)
    if warning:
        console.print(f"warning: {_plain(warning)}", style="yellow")
    elif not quiet:
        console.print(_plain(describe_company(company)), style="dim")


WhoArgument = Annotated[
    list[str], typer.Argument(help="People: person id, login, email or full name.")
]


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _write_export(frame: pd.DataFrame, format: ExportFormat, output: Path | None) -> None:
    """A people export as formula-safe CSV or JSON, to standard output or ``output``."""
    from rich.console import Console

    from talent.views.export import to_json, to_records, to_safe_csv

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
    """Put an export or draft of the CLI in the access log (talent.people.accesslog), under
    TALENT_USER or this login."""
    from talent.people.accesslog import record_access
    from talent.views.pipeline import current_user

    record_access(engine, current_user(), action, person_ids, filters, "cli", settings=settings)


def _pipeline_call(call, *args, **kwargs):
    from talent.views.pipeline import PipelineError

    try:
        return call(*args, **kwargs)
    except PipelineError as exc:
        raise CliError(str(exc)) from None


def _print_frame(frame: pd.DataFrame, format: OutputFormat, *, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from talent.views.export import to_json, to_records, to_safe_csv

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
