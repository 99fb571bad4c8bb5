"""talent maintainers: who owns what, bus factors, drift and the next maintainers."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    _check_repos,
    _load,
    _open_existing,
    _plain,
)
from talent.store import count_rows, load_people
from talent.views.export import to_records, to_safe_csv


class Section(StrEnum):
    bus_factor = "bus-factor"
    areas = "areas"
    owners = "owners"
    named = "named"
    drift = "drift"
    ready = "ready"
    next = "next"
    left_out = "left-out"


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
    format: FormatOption = OutputFormat.table,
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
    from talent.views.stewardship import cached_maintainers_report

    settings = _load(db, config)
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; run `talent demo` or a miner first")
    _check_repos(engine, repo)
    report = cached_maintainers_report(
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
    from talent.views.stewardship import area_owners

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
