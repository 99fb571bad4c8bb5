"""The ``talent`` command: thin shells over library functions.

Every failure a user can cause (a missing database, a bad option value) ends in one
line on stderr starting with ``error:`` and a non-zero exit status, never a traceback.
Set ``TALENT_DEBUG=1`` to see the traceback of an unexpected failure.

Each command group is a module of this package; this one builds the typer ``app``,
registers every command in the order ``talent --help`` lists them, and is the entry point
(``talent = "talent.cli:main"``). May import any layer on its left; never the ui.
"""

from __future__ import annotations

import typer

from talent.cli import (
    access,
    ats,
    feedback,
    maintainers,
    mine,
    model,
    people,
    privacy,
    rank,
    search,
    serve,
    shortlist,
)
from talent.cli.common import _OneLineErrors, storage_problem
from talent.cli.serve import streamlit_command

__all__ = ["app", "main", "storage_problem", "streamlit_command"]

app = typer.Typer(
    cls=_OneLineErrors,
    # Plain help: typer's rich panels print a <bool> type beside every flag.
    rich_markup_mode=None,
    help="Find the people who do the real work in a company's open-source repositories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command()(rank.demo)
app.command()(rank.rank)
app.command("company")(people.company)
app.command()(model.evaluate)
app.command("digest")(rank.digest_command)
app.command("outreach")(rank.outreach)
app.command()(maintainers.maintainers)
app.command("app")(serve.run_app)
app.command("serve")(serve.serve)
app.command("health")(serve.health)

app.add_typer(mine.mine_app, name="mine")
app.add_typer(privacy.privacy_app, name="privacy")
app.add_typer(people.people_app, name="people")
app.add_typer(feedback.feedback_app, name="feedback")
app.add_typer(shortlist.shortlist_app, name="shortlist")
app.add_typer(ats.ats_app, name="ats")
app.add_typer(search.search_app, name="search")
app.add_typer(model.model_app, name="model")
app.add_typer(access.access_app, name="access")


def main() -> None:
    app()
