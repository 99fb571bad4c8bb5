"""talent search: saved searches."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    OutputFormat,
    _check_repos,
    _load,
    _OneLineErrors,
    _open_existing,
    _pipeline_call,
    _plain,
    _print_frame,
)
from talent.ranking.scoring import load_ranking_profile

search_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Saved searches: a profile, filters and skill words under a name, for talent digest.",
    no_args_is_help=True,
)


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
    from talent.views.digest import Search, save
    from talent.views.pipeline import check_list_name

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
    from talent.views.digest import searches

    found = searches(_open_existing(_load(db, config)))
    if not found:
        raise CliError("no saved searches yet: talent search save NAME --skill '...'")
    frame = pd.DataFrame(
        [{"name": n, "profile": s.profile, "skill": s.skill, "repos": ", ".join(s.repos),
          "affiliations": ", ".join(s.affiliations), "top": s.top} for n, s in found.items()]
    )  # fmt: skip
    _print_frame(frame, OutputFormat.table, title="Saved searches")
