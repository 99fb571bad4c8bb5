"""The ``talent`` command: thin shells over library functions.

Every failure a user can cause (a missing database, a bad option value) ends in one
line on stderr starting with ``error:`` and a non-zero exit status, never a traceback.
Set ``TALENT_DEBUG=1`` to see the traceback of an unexpected failure.

Each command group is a module of this package; this one builds the typer ``app``,
registers every command in the order ``talent --help`` lists them, and is the entry point
(``talent = "talent.cli:main"``). May import any layer on its left; never the ui.

The modules load lazily: ``talent mine git ...`` imports the mine group alone (a re-run
with nothing new is mostly Python start-up and imports); ``app`` and everything else
build the whole command on first use.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from talent.cli.common import _OneLineErrors

__all__ = ["app", "main", "storage_problem", "streamlit_command"]

# The top-level commands in the order ``talent --help`` lists them: (name, or None for
# the function's own; module of this package; function).
_COMMANDS: tuple[tuple[str | None, str, str], ...] = (
    (None, "rank", "demo"),
    (None, "rank", "rank"),
    ("company", "people", "company"),
    (None, "model", "evaluate"),
    ("digest", "rank", "digest_command"),
    ("outreach", "rank", "outreach"),
    (None, "maintainers", "maintainers"),
    ("app", "serve", "run_app"),
    ("serve", "serve", "serve"),
    ("health", "serve", "health"),
)
# The command groups after them: (name, module, typer app).
_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("mine", "mine", "mine_app"),
    ("privacy", "privacy", "privacy_app"),
    ("people", "people", "people_app"),
    ("feedback", "feedback", "feedback_app"),
    ("shortlist", "shortlist", "shortlist_app"),
    ("ats", "ats", "ats_app"),
    ("search", "search", "search_app"),
    ("model", "model", "model_app"),
    ("access", "access", "access_app"),
)


def _build(only_group: str | None = None) -> typer.Typer:
    """The ``talent`` command; with ``only_group``, a root holding that group alone (what
    ``talent GROUP ...`` runs: the same group, without importing the others)."""
    built = typer.Typer(
        cls=_OneLineErrors,
        # Plain help: typer's rich panels print a <bool> type beside every flag.
        rich_markup_mode=None,
        help="Find the people who do the real work in a company's open-source repositories.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    if only_group is None:
        for name, module, function in _COMMANDS:
            built.command(name)(getattr(_module(module), function))
    for name, module, group in _GROUPS:
        if only_group is None or name == only_group:
            built.add_typer(getattr(_module(module), group), name=name)
    return built


def _module(name: str) -> Any:
    return importlib.import_module(f"talent.cli.{name}")


_built: dict[str, typer.Typer] = {}


def __getattr__(name: str) -> Any:
    """``app`` (the whole command) and the re-exported helpers, loaded on first use."""
    if name == "app":
        if "app" not in _built:
            _built["app"] = _build()
        return _built["app"]
    if name == "storage_problem":
        return _module("common").storage_problem
    if name == "streamlit_command":
        return _module("serve").streamlit_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    first = sys.argv[1] if len(sys.argv) > 1 else None
    if first in {name for name, _module_name, _group in _GROUPS}:
        _build(first)()
    else:
        __getattr__("app")()
