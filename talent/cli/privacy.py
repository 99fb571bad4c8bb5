"""talent privacy: opt-outs, purges, the privacy key, a subject's copy, retention, notice."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    _load,
    _OneLineErrors,
    _open_existing,
)
from talent.config import Settings
from talent.people.identity import ensure_people

privacy_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Leave people out who asked to be (opt-out), purge a person, write the notice.",
    no_args_is_help=True,
)


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
    from talent.people.privacy import PrivacyError, optout

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
    from talent.people.privacy import PrivacyError, purge_person

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
    from talent.people.privacy import PrivacyError, rotate
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
    from talent.people.privacy import list_suppressions

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
    from talent.people.privacy import PrivacyError, remove_suppression

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
    from talent.people.privacy import export_list

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
    from talent.people.privacy import PrivacyError, subject_copy

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
    from talent.people.privacy import PrivacyError, import_list

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
    from talent.people.privacy import apply_retention

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
    from talent.people.privacy import notice_text

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
