"""talent shortlist: named shortlists with stages, tags, notes, sharing and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from sqlalchemy import Engine

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    ExportFormat,
    FormatOption,
    OutputFormat,
    WhoArgument,
    _find_person,
    _load,
    _OneLineErrors,
    _open_existing,
    _pipeline_call,
    _plain,
    _print_frame,
    _record,
    _write_export,
)
from talent.config import Settings
from talent.files import MAX_FILE_BYTES, InputFileError, read_bytes_limited
from talent.people.identity import ensure_people
from talent.store import load_people
from talent.views.export import exported_ids

shortlist_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Named shortlists (one per role): a stage per person, tags, notes with author "
    "and time, and the full history of changes. Who changes what comes from TALENT_USER "
    "(else this login).",
    no_args_is_help=True,
)

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


def _list_and_people(
    settings: Settings, name: str, who: list[str], *, must_exist: bool = True
) -> tuple[Engine, str, list[str]]:
    from talent.store import load_shortlists
    from talent.views.pipeline import check_list_name

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
    from talent.store import save_shortlist
    from talent.views.pipeline import check_list_name, current_user

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
    from talent.store import add_entries
    from talent.views.pipeline import check_stage, check_tags, current_user

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
    from talent.store import change_entry
    from talent.views.pipeline import check_stage, current_user

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
    from talent.store import change_entry
    from talent.views.pipeline import check_tags, current_user

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
    from talent.store import add_note
    from talent.views.pipeline import current_user

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
    from talent.store import load_shortlists
    from talent.views.access import share_address
    from talent.views.pipeline import check_list_name

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
    from talent.store import share_shortlist
    from talent.views.pipeline import current_user

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
    format: FormatOption = OutputFormat.table,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The shortlists, or one list's people by stage (with versions for --if-version)."""
    from talent.store import load_entries, load_events, load_shares, load_shortlists
    from talent.views.pipeline import STAGES, check_list_name, entry_notes

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
    from talent.store import load_entries, load_shortlists
    from talent.views.export import cached_list_frame
    from talent.views.pipeline import check_list_name

    settings = _load(db, config)
    name = _pipeline_call(check_list_name, name)
    engine = _open_existing(settings)
    if name not in set(load_shortlists(engine)["name"]):
        raise CliError(f"no shortlist {name!r}: talent shortlist show lists them")
    entries = load_entries(engine, name)
    people = load_people(engine)
    if not entries["person_id"].isin(people["person_id"]).any():
        raise CliError(f"{name!r} has nobody on it yet: talent shortlist add {name!r} LOGIN")
    frame = cached_list_frame(engine, settings, name, profile)
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
