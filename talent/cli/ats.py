"""talent ats: people already in the applicant tracking system."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    OutputFormat,
    _load,
    _OneLineErrors,
    _open_existing,
    _plain,
    _print_frame,
)
from talent.files import MAX_FILE_BYTES, InputFileError, read_bytes_limited
from talent.people.identity import ensure_people
from talent.store import load_people

ats_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="People already in your applicant tracking system: import its export (logins or "
    "e-mails) and they show as 'in ATS' on Candidates, the Candidate page and exports.",
    no_args_is_help=True,
)


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
    from talent.views.pipeline import import_ats

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
