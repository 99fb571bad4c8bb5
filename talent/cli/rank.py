"""talent demo, talent rank, talent digest and talent outreach: the ranking and what is
sent from it."""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

from talent.cli.common import (
    _CONTROL,
    CliError,
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    RepoOption,
    SinceOption,
    _check_repos,
    _check_url,
    _find_person,
    _identity_text,
    _load,
    _open_existing,
    _opened,
    _parse_since,
    _plain,
    _record,
    _say_company,
    _text,
)
from talent.config import AFFILIATIONS
from talent.mining import save_demo
from talent.people.identity import ensure_people, update_people
from talent.ranking.scoring import (
    DEFAULT_PROFILE,
    INTERVAL_WINDOWS,
    SIGNAL_LABELS,
    SIGNALS,
    load_ranking_profile,
    rank_range_text,
    rank_store,
)
from talent.sources.demo import SIZES, generate_demo
from talent.store import count_rows, load_identities, load_identity_links
from talent.views.export import readable_numbers, to_json, to_records, to_safe_csv


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


def rank(
    db: DbOption = None,
    top: Annotated[int, typer.Option(min=0, help="How many people to show; 0 = everyone.")] = 25,
    format: FormatOption = OutputFormat.table,
    repo: RepoOption = None,
    since: SinceOption = None,
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


class DigestFormat(StrEnum):
    markdown = "markdown"
    json = "json"


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
    from talent.views.digest import DigestError, build, keep, send, to_markdown

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
    from talent.ranking.scoring import build_ranking_base, score_base
    from talent.views.outreach import draft

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
