"""talent people (show, audit, merge, split, suggestions) and talent company: how
identities became people and the organisations the data shows."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    RepoOption,
    SinceOption,
    _check_repos,
    _find_person,
    _identity_text,
    _load,
    _OneLineErrors,
    _open_existing,
    _parse_since,
    _plain,
    _say_company,
    _text,
)
from talent.config import AFFILIATIONS
from talent.people.identity import ensure_people, name_incomplete, update_people
from talent.ranking.scoring import DEFAULT_PROFILE
from talent.store import load_identities, load_identity_links, load_owner_pairings, load_people
from talent.views.export import to_records, to_safe_csv

people_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="See how identities were merged into people, and correct it by hand.",
    no_args_is_help=True,
)


class CompanyFormat(StrEnum):
    table = "table"
    json = "json"


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
    from talent.people.identity import infer_company, load_company_choice, save_company_choice

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
    from talent.people.affiliation import describe_company

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
    from talent.people.identity import person_owner_evidence

    for line in person_owner_evidence(engine, person_id):
        console.print(f"owner files: {_plain(line)}")


@people_app.command("audit")
def people_audit(
    who: Annotated[str, typer.Argument(help="Person id, login, email or full name.")],
    db: DbOption = None,
    config: ConfigOption = None,
    format: FormatOption = OutputFormat.table,
    repo: RepoOption = None,
    since: SinceOption = None,
    include_bots: Annotated[
        bool, typer.Option("--include-bots", help="Count bots' acts too, as rank does.")
    ] = False,
) -> None:
    """Every count behind a person's score, and every act that makes it, with its link:
    the numbers `talent rank` used (same --repo, --since and --include-bots), checkable
    one act at a time."""
    from talent.ranking.scoring import build_ranking_base, score_base
    from talent.views.audit import audit_person

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
    from talent.people.identity import append_override

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
    from talent.people.identity import OverrideError, append_override, select_identities

    settings = _load(db, config)
    engine = _open_existing(settings)
    try:
        from talent.people.identity import _check_selector

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
    from talent.people.identity import suggest_merges

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
