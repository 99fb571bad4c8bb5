"""talent access: who saw what (the access log) and its retention."""

from __future__ import annotations

import json
from typing import Annotated

import pandas as pd
import typer

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    _load,
    _OneLineErrors,
    _open_existing,
    _parse_since,
    _print_frame,
)
from talent.people.identity import ensure_people
from talent.views.export import to_json, to_records, to_safe_csv

access_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Who saw what: every Candidate page viewed, every export of people and every "
    "outreach draft, in the app and here, with who, when and the filters. Kept [access] "
    "retention_days (default 365); a person's opt-out or purge takes them out of it.",
    no_args_is_help=True,
)


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
    format: FormatOption = OutputFormat.table,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The access log, oldest first: when (UTC), who (the signed-in user in the app,
    TALENT_USER or this login here), what (view, export, outreach), where (app, cli),
    the people and the filters. CSV opens safely in any spreadsheet."""
    from talent.people.accesslog import access_log
    from talent.people.privacy import PrivacyError, resolve_person

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
    from talent.people.accesslog import apply_access_retention

    settings = _load(db, config)
    if settings.access_log_days is None:
        raise CliError("no retention is set: [access] retention_days keeps the log for ever")
    gone = apply_access_retention(_open_existing(settings), settings)
    typer.echo(f"{gone:,} access-log entries older than {settings.access_log_days} days deleted")
